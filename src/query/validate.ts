import { getAddress } from 'ethers';
import { abiForVariant } from './abi-lookup';
import { HEALTH_FIELDS, METRICS, QUERY_FIELD_LABELS, VARIABLE_KINDS } from './catalog';
import { EVENTS_LIMIT_MAX } from './defaults';
import { completeQuery } from './migrate';
import { describeValue } from './text';
import { ABI_VARIANTS, withDeploymentDefaults, type DeploymentSettings, type TesseractJsonData } from './settings';
import { LIVE_METRICS, QUERY_TYPES, type TesseractQuery } from './types';

export type QueryResult = { ok: true; query: TesseractQuery } | { ok: false; errors: string[] };

export interface ValidateOptions {
  /**
   * The editor validates before Grafana interpolates: values holding `$var`, `${var}` or `[[var]]`
   * are accepted there. The backend validates interpolated queries and leaves this off.
   */
  allowTemplateVariables?: boolean;
}

const TX_ID = /^0x[0-9a-fA-F]{64}$/;
const TEMPLATE_VARIABLE = /\$\w+|\$\{[^}]+\}|\[\[[^\]]+\]\]/;

export function isTxId(value: string): boolean {
  return TX_ID.test(value);
}

export function hasTemplateVariable(value: string): boolean {
  return TEMPLATE_VARIABLE.test(value);
}

/** An address is valid when it is 40 hex digits and, if mixed-case, its EIP-55 checksum matches. */
export function addressError(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    return 'must be 0x followed by 40 hex digits';
  }
  try {
    getAddress(value);
    return undefined;
  } catch {
    return `has a wrong checksum (expected ${getAddress(value.toLowerCase())})`;
  }
}

/**
 * Turns any saved or incoming query JSON into a valid query of the current schema, or the list of
 * what is wrong with it, each message naming the field and what it should be.
 */
export function parseQuery(raw: unknown, options: ValidateOptions = {}): QueryResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: ['Query must be a JSON object'] };
  }
  const query = completeQuery(raw as Record<string, unknown>);
  if (!query) {
    // Migration only names a kind for queries that had none, so an unknown kind is the one sent.
    const sent = (raw as Record<string, unknown>).queryType;
    const known = QUERY_TYPES.map((type) => type.value).join(', ');
    return { ok: false, errors: [`Unknown query kind "${describeValue(sent)}": expected one of ${known}`] };
  }
  const errors = validateQuery(query, options);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, query };
}

type LabelledKey = keyof typeof QUERY_FIELD_LABELS;

function validateQuery(query: TesseractQuery, options: ValidateOptions): string[] {
  const errors: string[] = [];
  // Each message starts with the field's label as the editor shows it.
  const fail = (key: LabelledKey, problem: string) => errors.push(`${QUERY_FIELD_LABELS[key]} ${problem}`);
  const variablesAllowed = (value: string) => options.allowTemplateVariables === true && hasTemplateVariable(value);
  const checkStringList = (key: LabelledKey, value: unknown): value is string[] => {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      fail(key, 'must be a list of strings');
      return false;
    }
    return true;
  };
  const checkTxIds = (value: unknown) => {
    if (checkStringList('txIds', value)) {
      for (const txId of value) {
        if (!isTxId(txId) && !variablesAllowed(txId)) {
          errors.push(`tx_id "${txId}" must be 0x followed by 64 hex digits (bytes32)`);
        }
      }
    }
  };
  const checkAddress = (key: LabelledKey, value: unknown) => {
    if (value !== undefined && value !== '' && !(typeof value === 'string' && variablesAllowed(value))) {
      const error = addressError(value);
      if (error) {
        fail(key, error);
      }
    }
  };
  const checkInteger = (key: LabelledKey, value: unknown, min: number, max: number) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(key, `must be a whole number from ${min} to ${max}`);
    }
  };
  const checkFormat = (value: unknown) => {
    if (value !== 'table' && value !== 'value') {
      fail('format', 'must be "table" or "value"');
    }
  };

  const checkLive = (value: unknown): boolean => {
    if (value !== undefined && typeof value !== 'boolean') {
      fail('live', 'must be true or false');
      return false;
    }
    return true;
  };

  checkStringList('deployments', query.deployments);
  switch (query.queryType) {
    case 'health':
      checkFormat(query.format);
      if (!Object.hasOwn(HEALTH_FIELDS, query.field)) {
        fail(
          'field',
          `"${describeValue(query.field)}" is unknown: expected one of ${Object.keys(HEALTH_FIELDS).join(', ')}`
        );
      }
      break;
    case 'events':
      checkStringList('eventNames', query.eventNames);
      checkTxIds(query.txIds);
      checkAddress('originRollup', query.originRollup);
      checkAddress('targetRollup', query.targetRollup);
      checkInteger('limit', query.limit, 1, EVENTS_LIMIT_MAX);
      checkFormat(query.format);
      if (checkLive(query.live) && query.live && query.format === 'value') {
        fail('live', 'streams only the table format');
      }
      break;
    case 'metrics':
      if (checkStringList('metrics', query.metrics)) {
        if (query.metrics.length === 0) {
          errors.push(`${QUERY_FIELD_LABELS.metrics}: pick at least one metric`);
        }
        for (const metric of query.metrics) {
          if (!Object.hasOwn(METRICS, metric)) {
            errors.push(`metric "${metric}" is unknown: expected one of ${Object.keys(METRICS).join(', ')}`);
          }
        }
      }
      if (query.mode !== 'timeseries' && query.mode !== 'window') {
        fail('mode', 'must be "timeseries" or "window"');
      }
      checkInteger('bucketSeconds', query.bucketSeconds, 0, 31 * 24 * 3600);
      if (checkLive(query.live) && query.live && Array.isArray(query.metrics)) {
        const notLive = query.metrics.filter((metric) => !LIVE_METRICS.includes(metric));
        if (notLive.length > 0) {
          fail('live', `streams only the counters ${LIVE_METRICS.join(', ')} (not ${notLive.join(', ')})`);
        }
      }
      break;
    case 'transaction':
      checkTxIds(query.txIds);
      if (Array.isArray(query.txIds) && query.txIds.length === 0) {
        errors.push(`${QUERY_FIELD_LABELS.txIds}: enter at least one tx_id`);
      }
      break;
    case 'call':
      if (typeof query.functionName !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(query.functionName)) {
        fail('functionName', 'must name a function of the ABI');
      }
      checkStringList('args', query.args);
      if (
        typeof query.block !== 'string' ||
        !(query.block === 'latest' || /^\d+$/.test(query.block) || variablesAllowed(query.block))
      ) {
        fail('block', 'must be "latest" or a block number');
      }
      break;
    case 'variables':
      if (!VARIABLE_KINDS.some((kind) => kind.value === query.variable)) {
        fail('variable', `must be one of ${VARIABLE_KINDS.map((kind) => kind.value).join(', ')}`);
      }
      checkInteger('limit', query.limit, 1, 10000);
      break;
  }
  return errors;
}

export type DeploymentErrors = Partial<Record<keyof DeploymentSettings | 'rpcUrls', string>>;

/** Field-by-field problems of one deployment; the config editor shows them inline. */
export function validateDeployment(deployment: DeploymentSettings, rpcUrls?: string[]): DeploymentErrors {
  const errors: DeploymentErrors = {};
  if (typeof deployment.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(deployment.name)) {
    errors.name = 'Name is required: letters, digits, "-", "_" or "." (it becomes the chain label)';
  }
  if (!Number.isInteger(deployment.chainId) || deployment.chainId <= 0) {
    errors.chainId = 'Chain id must be a positive whole number';
  }
  const contractError = addressError(deployment.contract ?? '');
  if (contractError) {
    errors.contract = `Contract address ${contractError}`;
  }
  if (!ABI_VARIANTS.some((variant) => variant.value === deployment.abi)) {
    errors.abi = 'Pick an ABI variant';
  } else if (deployment.abi === 'custom') {
    const abi = abiForVariant('custom', deployment.customAbi);
    if (!abi.ok) {
      errors.customAbi = abi.error;
    }
  }
  if (!Number.isInteger(deployment.startBlock) || deployment.startBlock < 0) {
    errors.startBlock = 'Start block must be 0 or a block number';
  }
  if (!Number.isInteger(deployment.confirmations) || deployment.confirmations < 0 || deployment.confirmations > 1000) {
    errors.confirmations = 'Confirmations must be a whole number from 0 to 1000';
  }
  if (!Number.isInteger(deployment.maxBlockRange) || deployment.maxBlockRange < 1) {
    errors.maxBlockRange = 'Max block range must be a positive whole number';
  }
  if (deployment.operator) {
    const operatorError = addressError(deployment.operator);
    if (operatorError) {
      errors.operator = `Operator address ${operatorError}`;
    }
  }
  if (rpcUrls !== undefined) {
    if (rpcUrls.length === 0) {
      errors.rpcUrls = 'Add at least one RPC URL';
    } else if (rpcUrls.some((url) => !/^https?:\/\/[^\s/]+/.test(url))) {
      errors.rpcUrls = 'RPC URLs must start with http:// or https://';
    }
  }
  return errors;
}

/** The deployments with their defaults filled in, and settings-level problems: malformed jsonData, duplicate names or ids. */
export function validateSettings(jsonData: unknown): { settings: TesseractJsonData; errors: string[] } {
  const errors: string[] = [];
  const raw = (jsonData ?? {}) as Partial<TesseractJsonData>;
  if (!Array.isArray(raw.deployments)) {
    return {
      settings: { deployments: [] },
      errors: ['No deployments configured: add one in the data source settings'],
    };
  }
  const names = new Set<unknown>();
  const ids = new Set<unknown>();
  const deployments: DeploymentSettings[] = [];
  for (const [index, deployment] of (raw.deployments as unknown[]).entries()) {
    if (deployment === null || typeof deployment !== 'object' || Array.isArray(deployment)) {
      errors.push(`Deployment ${index + 1} is not an object: it is ignored`);
      continue;
    }
    const filled = withDeploymentDefaults(deployment as Partial<DeploymentSettings>);
    const { name, id } = filled;
    if (names.has(name)) {
      errors.push(`Deployment name "${describeValue(name)}" is used twice`);
    }
    if (ids.has(id)) {
      errors.push(`Deployment id "${describeValue(id)}" is used twice`);
    }
    names.add(name);
    ids.add(id);
    deployments.push(filled);
  }
  return { settings: { deployments }, errors };
}

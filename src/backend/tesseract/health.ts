import { redactUrls, type BlockHeader, type RpcRequest } from '../chain';
import type { HealthField } from '../../query';
import type { ChainHead, Deployment } from './deployment';
import { HeadPart } from './headcache';
import { ContractRevert } from './revert';

/** What the health query reports for one deployment. Null values are "not applicable" or "unknown". */
export interface HealthReport {
  values: Record<HealthField, number | null>;
  owner: string | null;
  /** Why `accepting` is what it is: the revert reason, or why the dry run was not applicable. */
  acceptingReason: string | null;
  /** The last error met while probing (never a URL). */
  lastError: string | null;
  /** Why the stored index was (partly) discarded or is not written, once the index has loaded it; else null. */
  indexStore: string | null;
}

/**
 * The index store's trouble in words (discarded data, a failed write), or null: health and "Save & test" say it,
 * also before any log query has loaded the store.
 */
export async function indexStoreWarning(deployment: Deployment): Promise<string | null> {
  const index = deployment.logIndex();
  await index.open();
  const journal = index.stats().journal;
  const parts = [
    ...(journal?.warning ? [`index store: ${journal.warning}`] : []),
    ...(journal?.writeError ? [`index store not written (memory only): ${journal.writeError}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : null;
}

/** Dry-run arguments: recognisable, distinct, non-zero rollups and a one-byte payload. */
const PROBE_ORIGIN = '0x00000000000000000000000000000000000a11ce';
const PROBE_TARGET = '0x0000000000000000000000000000000000000b0b';
const PROBE_PAYLOAD = '0x01';
const PROBE_LEAD_SECONDS = 60;

/**
 * The dry run's tx_id is the head's hash, never used: a contract that says it exists is the published Vyper
 * build, whose enum flags make an unused id read state 0 instead of EMPTY (1), so it rejects every new transaction.
 */
const ALREADY_EXISTS = 'Transaction already exists';
const VYPER_ENUM_BUG =
  'Transaction already exists, for a tx_id never used: the published Vyper build reads an unused id as state 0, ' +
  'not EMPTY (1), so it rejects every new transaction';

function emptyValues(): Record<HealthField, number | null> {
  return {
    up: 0,
    head_block: null,
    head_age_seconds: null,
    clock_skew_seconds: null,
    code_present: null,
    paused: null,
    circuit_breaker_active: null,
    transaction_count: null,
    coordination_window_seconds: null,
    rpc_latency_ms: null,
    accepting: null,
  };
}

const flag = (value: unknown) => (value ? 1 : 0);
const errorText = (error: unknown) => redactUrls(error instanceof Error ? error.message : String(error));

const STATUS_VIEWS = ['owner', 'paused', 'circuit_breaker_active', 'transaction_count', 'coordination_window'] as const;

/** The ABI function a health field reads; fields without one apply to every deployment. */
const FIELD_FUNCTIONS: Partial<Record<HealthField, string>> = {
  paused: 'paused',
  circuit_breaker_active: 'circuit_breaker_active',
  transaction_count: 'transaction_count',
  coordination_window_seconds: 'coordination_window',
  accepting: 'buffer_transaction',
};

/** Whether the deployment's ABI can ever give this field a value (decided from the ABI, never a call). */
export function healthFieldApplies(deployment: Deployment, field: HealthField): boolean {
  const fn = FIELD_FUNCTIONS[field];
  return fn === undefined || deployment.contract.hasFunction(fn);
}

/**
 * Probes one deployment at its head block: the head (its round trip is rpc_latency_ms), then code, the
 * ABI's status views (views the ABI lacks stay null) and a dry run of buffer_transaction from the operator
 * in one batch; without an operator the dry run from owner() follows in a second. up = 0 with the error
 * text when the RPC fails these requests or serves another chain. Reads are kept per head, so probing an
 * unchanged head costs only the head request (reused for a second), while head_age_seconds is measured
 * against `nowMs` every time.
 */
export async function probeHealth(deployment: Deployment, nowMs = Date.now()): Promise<HealthReport> {
  let head: ChainHead;
  let state: HealthReport;
  try {
    head = await deployment.head();
    state = await stateAt(deployment, head.header);
  } catch (error) {
    // The head may be from a moment ago: the RPC failing now is what counts.
    return { ...unreachable(error), indexStore: await indexStoreWarning(deployment) };
  }
  const { header } = head;
  return {
    ...state,
    indexStore: await indexStoreWarning(deployment),
    values: {
      ...state.values,
      up: 1,
      head_block: header.number,
      // A chain clock ahead of ours would read as a negative age: the age stops at 0 and the skew says by how much.
      head_age_seconds: Math.max(0, Math.round(nowMs / 1000 - header.timestamp)),
      clock_skew_seconds: Math.max(0, Math.round(header.timestamp - nowMs / 1000)),
      rpc_latency_ms: head.latencyMs,
    },
  };
}

/** The probe's contract state at the head (one per head). */
const HEALTH_STATE = new HeadPart<Promise<HealthReport>>('health state', 1);

/**
 * What the contract says at this head, decoded once per head: the health panels of a refresh (and every
 * refresh until a new block) share it. A probe that met an error is not kept, so the next one asks again.
 */
function stateAt(deployment: Deployment, header: BlockHeader): Promise<HealthReport> {
  const scope = deployment.headScope;
  const known = scope.get(HEALTH_STATE, header.hash, '');
  if (known) {
    return known;
  }
  const state = readState(deployment, header);
  scope.set(HEALTH_STATE, header.hash, '', state);
  const forget = () => scope.forget(HEALTH_STATE, header.hash, '', state);
  state.then((report) => report.lastError !== null && forget(), forget);
  return state;
}

/** Code, status views and accepting at the head's block; throws when the RPC does not answer. */
async function readState(deployment: Deployment, header: BlockHeader): Promise<HealthReport> {
  const report: HealthReport = {
    values: emptyValues(),
    owner: null,
    acceptingReason: null,
    lastError: null,
    indexStore: null,
  };
  const values = report.values;
  const views = STATUS_VIEWS.filter((name) => deployment.contract.hasFunction(name));
  const operatorDryRun = deployment.settings.operator ? dryRun(deployment, header, deployment.settings.operator) : null;
  const answers = await deployment.readAt(header, [
    deployment.codeRequest(),
    ...views.map((name) => deployment.callRequest(name)),
    ...(operatorDryRun ? [operatorDryRun] : []),
  ]);
  const [code, ...viewAnswers] = answers;
  if (code instanceof Error) {
    report.lastError = errorText(code);
  } else {
    values.code_present = typeof code === 'string' && code.length > 2 ? 1 : 0;
  }
  views.forEach((name, i) => {
    const result = deployment.decodeAnswer(name, viewAnswers[i]);
    if (result instanceof Error) {
      report.lastError = errorText(result);
      return;
    }
    const value: unknown = result[0];
    switch (name) {
      case 'owner':
        report.owner = String(value);
        break;
      case 'paused':
      case 'circuit_breaker_active':
        values[name] = flag(value);
        break;
      case 'transaction_count':
        values.transaction_count = Number(value);
        break;
      case 'coordination_window':
        values.coordination_window_seconds = Number(value);
        break;
    }
  });
  await readAccepting(deployment, report, header, operatorDryRun ? viewAnswers[views.length] : undefined);
  return report;
}

/** up = 0 with the cause: the RPC did not answer (or serves another chain). */
function unreachable(error: unknown): HealthReport {
  return { values: emptyValues(), owner: null, acceptingReason: null, lastError: errorText(error), indexStore: null };
}

/** Dry-run eth_call of buffer_transaction from `from`, or null when the ABI has none. */
function dryRun(deployment: Deployment, head: BlockHeader, from: string): RpcRequest | null {
  if (!deployment.contract.hasFunction('buffer_transaction')) {
    return null;
  }
  // The head's hash as tx_id: new to the contract, and the same for every probe of this head (one answer).
  const args = [
    head.hash,
    PROBE_ORIGIN,
    PROBE_TARGET,
    PROBE_PAYLOAD,
    '0x' + '00'.repeat(32),
    head.timestamp + PROBE_LEAD_SECONDS,
  ];
  return deployment.callRequest('buffer_transaction', args, from);
}

/** `accepting` from the operator's dry-run answer, or from a dry run as owner() when no operator is set. */
async function readAccepting(
  deployment: Deployment,
  report: HealthReport,
  head: BlockHeader,
  operatorAnswer: unknown
): Promise<void> {
  if (!deployment.contract.hasFunction('buffer_transaction')) {
    report.acceptingReason = 'n/a: the ABI has no buffer_transaction';
    return;
  }
  let answer = operatorAnswer;
  if (!deployment.settings.operator) {
    const ownerDryRun = report.owner ? dryRun(deployment, head, report.owner) : null;
    if (!ownerDryRun) {
      report.acceptingReason = 'n/a: no operator configured and owner() unknown';
      return;
    }
    try {
      [answer] = await deployment.readAt(head, [ownerDryRun]);
    } catch (error) {
      report.lastError = errorText(error);
      return;
    }
  }
  if (!(answer instanceof Error)) {
    report.values.accepting = 1;
    report.acceptingReason = 'accepts new transactions';
    return;
  }
  const refusal = deployment.refusal('buffer_transaction', answer);
  if (refusal instanceof ContractRevert) {
    report.values.accepting = 0;
    report.acceptingReason = refusal.reason === ALREADY_EXISTS ? VYPER_ENUM_BUG : refusal.reason;
  } else {
    report.lastError = errorText(refusal);
  }
}

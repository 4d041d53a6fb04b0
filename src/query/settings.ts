/**
 * Data source settings: the list of Tesseract deployments one data source watches.
 * jsonData holds everything but the RPC URLs, which carry provider API keys and so live in
 * secureJsonData under `rpcUrlsKey(deployment.id)` as a newline-separated list (primary first).
 */

export type AbiVariant = 'simple' | 'buffer' | 'custom';

export const ABI_VARIANTS: ReadonlyArray<{ value: AbiVariant; label: string; description: string }> = [
  {
    value: 'simple',
    label: 'TesseractSimple',
    description: 'Buffered / Ready / Failed events, 4 states, no pause (also the published Vyper build)',
  },
  {
    value: 'buffer',
    label: 'TesseractBuffer',
    description: 'Richer events, 7 states, paused() and circuit_breaker_active()',
  },
  { value: 'custom', label: 'Custom ABI', description: 'Paste the ABI JSON of your deployed contract' },
];

export interface DeploymentSettings {
  /** Stable id: keys the secure RPC URLs, so renaming or reordering keeps the secrets attached. */
  id: string;
  /** Shown as the `chain` label on every frame; name it after the rollup, e.g. `optimism`. */
  name: string;
  chainId: number;
  /** Checksummed contract address. */
  contract: string;
  abi: AbiVariant;
  /** ABI JSON text, only for `abi: 'custom'`. */
  customAbi?: string;
  /** First block to index (the deploy block); earlier blocks hold no events of this contract. */
  startBlock: number;
  /** Blocks behind head that can still reorg; re-checked by hash on every refresh. */
  confirmations: number;
  /** Largest block span per eth_getLogs call; ranges are split further when the provider refuses. */
  maxBlockRange: number;
  /** Authorized operator used as `from` for the buffer_transaction dry run; defaults to owner(). */
  operator?: string;
}

export interface TesseractJsonData {
  deployments: DeploymentSettings[];
  /** Where the log index survives restarts; absent: a local directory (see indexStoreDirectory). */
  indexStore?: IndexStoreSettings;
}

export type IndexStoreKind = 'file' | 'postgres' | 'memory';

/**
 * The index store: `file` keeps each deployment's index in a local directory, `postgres` in a database shared
 * by every Grafana replica (one writes a deployment, the others read it), `memory` nowhere (a restart re-indexes).
 * The Postgres connection URL carries a password, so it lives in secureJsonData under INDEX_STORE_POSTGRES_URL_KEY.
 */
export interface IndexStoreSettings {
  kind?: IndexStoreKind;
  /** For `file`: an absolute directory the plugin process may write. */
  directory?: string;
  /** How much of each deployment's history is kept (memory and store); absent: all of it. */
  retention?: IndexRetention;
}

/** Keep the newest N events of each deployment, or the events of the last N days (before its newest indexed block). */
export type IndexRetention = { events: number; days?: undefined } | { days: number; events?: undefined };

export type RetentionUnit = 'events' | 'days';

/** The retention units, with the rule a value must meet: the parser's and the config editor's one source. */
export const RETENTION_UNITS: ReadonlyArray<{
  value: RetentionUnit;
  label: string;
  description: string;
  rule: string;
  valid: (value: number) => boolean;
}> = [
  {
    value: 'events',
    label: 'Events',
    description: "Keep each deployment's newest N events",
    rule: 'a whole number above 0',
    valid: (value) => Number.isInteger(value) && value > 0,
  },
  {
    value: 'days',
    label: 'Days',
    description: 'Keep the events of the last N days, counted back from the newest indexed block',
    rule: 'a number of days above 0',
    valid: (value) => Number.isFinite(value) && value > 0,
  },
];

export const RETENTION_DESCRIPTION =
  'Older events are dropped from memory and from the store (in batches, so a little more is kept at times); ' +
  'Prometheus totals keep counting them. Empty: the whole history is kept';

export const INDEX_STORE_KINDS: ReadonlyArray<{ value: IndexStoreKind; label: string; description: string }> = [
  { value: 'file', label: 'Local files', description: 'One file per deployment in a local directory' },
  {
    value: 'postgres',
    label: 'Postgres',
    description: 'Shared by Grafana replicas: each deployment is indexed once, the other replicas read it',
  },
  { value: 'memory', label: 'Memory only', description: 'Nothing kept: a restart indexes every deployment again' },
];

/** secureJsonData key of the Postgres connection URL (postgres://user:password@host:port/db). */
export const INDEX_STORE_POSTGRES_URL_KEY = 'indexStore.postgresUrl';

/** secureJsonData key holding a deployment's RPC URLs (newline-separated, primary first). */
export function rpcUrlsKey(deploymentId: string): string {
  return `rpcUrls.${deploymentId}`;
}

export function parseRpcUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\n,]/)
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
}

export const DEPLOYMENT_DEFAULTS: Omit<DeploymentSettings, 'id' | 'name' | 'chainId' | 'contract'> = {
  abi: 'simple',
  startBlock: 0,
  confirmations: 5,
  maxBlockRange: 10000,
};

export function newDeployment(id: string): DeploymentSettings {
  return { id, name: '', chainId: 1, contract: '', ...DEPLOYMENT_DEFAULTS };
}

/**
 * A deployment as saved or provisioned, with every documented default filled in where the field is
 * missing (undefined or null): ABI Simple, start block 0, 5 confirmations, max block range 10000, and
 * the name as id (a provisioning file keys `rpcUrls.<name>` then). No operator means owner().
 * Values that are present are kept as they are, for validateDeployment to judge.
 */
export function withDeploymentDefaults(raw: Partial<DeploymentSettings>): DeploymentSettings {
  const filled: Record<string, unknown> = { ...raw };
  const defaults: Record<string, unknown> = { ...DEPLOYMENT_DEFAULTS, id: raw.name };
  for (const [key, value] of Object.entries(defaults)) {
    if (filled[key] === undefined || filled[key] === null) {
      filled[key] = value;
    }
  }
  return filled as unknown as DeploymentSettings;
}

/** The index store settings as saved, checked: unusable values are reported and left out. */
export function parseIndexStore(jsonData: unknown): { store: IndexStoreSettings; errors: string[] } {
  const raw = (jsonData as { indexStore?: unknown } | null)?.indexStore;
  const errors: string[] = [];
  const store: IndexStoreSettings = {};
  if (raw === undefined || raw === null) {
    return { store, errors };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { store, errors: ['Index store: the settings are not an object; local files are used'] };
  }
  const { kind, directory, retention } = raw as Record<string, unknown>;
  if (kind !== undefined && kind !== '') {
    if (INDEX_STORE_KINDS.some((known) => known.value === kind)) {
      store.kind = kind as IndexStoreKind;
    } else {
      errors.push(`Index store: unknown kind ${JSON.stringify(kind)}; local files are used`);
    }
  }
  if (directory !== undefined && directory !== '') {
    if (typeof directory === 'string' && directory.startsWith('/')) {
      store.directory = directory;
    } else {
      errors.push('Index store: the directory must be an absolute path; the default is used');
    }
  }
  if (retention !== undefined && retention !== null) {
    const parsed = parseRetention(retention);
    if (typeof parsed === 'string') {
      errors.push(`Index store: ${parsed}; the whole history is kept`);
    } else {
      store.retention = parsed;
    }
  }
  return { store, errors };
}

/** A saved retention, or why it cannot be used. */
function parseRetention(raw: unknown): IndexRetention | string {
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    return 'the retention is not an object such as {"events": 1000000} or {"days": 30}';
  }
  const given = RETENTION_UNITS.filter((unit) => (raw as Record<string, unknown>)[unit.value] !== undefined);
  if (given.length !== 1) {
    return 'the retention must give exactly one of events or days';
  }
  const [unit] = given;
  const value = (raw as Record<string, unknown>)[unit.value];
  if (typeof value !== 'number' || !unit.valid(value)) {
    return `the retention in ${unit.value} must be ${unit.rule}, not ${JSON.stringify(value)}`;
  }
  return unit.value === 'events' ? { events: value } : { days: value };
}

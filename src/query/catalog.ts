import type { HealthField, MetricName, TesseractQuery, VariableKind } from './types';

/** Grafana unit ids; `suffix:` units render the text after the value. */
export type Unit = 'short' | 'none' | 'percentunit' | 's' | 'ms' | 'bool_yes_no' | 'suffix: tx/min' | 'locale';

/** What the editor shows and the backend puts in field config for one metric or health value. */
export interface CatalogEntry {
  label: string;
  unit: Unit;
  description: string;
}

export const METRICS: Readonly<Record<MetricName, CatalogEntry>> = {
  buffered: { label: 'Buffered', unit: 'short', description: 'TransactionBuffered events per bucket' },
  ready: { label: 'Ready', unit: 'short', description: 'TransactionReady events per bucket' },
  failed: { label: 'Failed', unit: 'short', description: 'TransactionFailed events per bucket' },
  executed: { label: 'Executed', unit: 'short', description: 'Transactions marked executed per bucket' },
  buffered_rate: { label: 'Buffered rate', unit: 'suffix: tx/min', description: 'Buffered per minute' },
  ready_rate: { label: 'Ready rate', unit: 'suffix: tx/min', description: 'Ready per minute' },
  failed_rate: { label: 'Failed rate', unit: 'suffix: tx/min', description: 'Failed per minute' },
  success_ratio: {
    label: 'Success ratio',
    unit: 'percentunit',
    description: 'Ready / Buffered (no value when nothing was buffered)',
  },
  failure_ratio: {
    label: 'Failure ratio',
    unit: 'percentunit',
    description: 'Failed / Buffered (no value when nothing was buffered)',
  },
  resolution_p50: { label: 'Resolution p50', unit: 's', description: 'Buffered → Ready time, median' },
  resolution_p95: { label: 'Resolution p95', unit: 's', description: 'Buffered → Ready time, 95th percentile' },
  resolution_p99: { label: 'Resolution p99', unit: 's', description: 'Buffered → Ready time, 99th percentile' },
  pending: {
    label: 'Pending',
    unit: 'short',
    description:
      'Still BUFFERED with no TransactionFailed logged, within timestamp + coordination window (judged at each bucket end)',
  },
  awaiting_retry: {
    label: 'Awaiting retry',
    unit: 'short',
    description:
      'Still BUFFERED after a logged TransactionFailed (a failed dependency check leaves the state alone), within timestamp + coordination window: a retry can still make it ready',
  },
  pending_overdue: {
    label: 'Pending overdue',
    unit: 'short',
    description:
      'Pending with no TransactionFailed logged, buffered more than half the coordination window ago: late, before it expires (on TesseractBuffer, where failure logs are reverted away, the only early sign)',
  },
  silent_failures: {
    label: 'Silent failures',
    unit: 'short',
    description:
      'Still BUFFERED past timestamp + coordination window with no TransactionFailed logged (every expiry on TesseractBuffer, which reverts its failure logs away)',
  },
  failed_final: {
    label: 'Failed (final)',
    unit: 'short',
    description:
      'Still BUFFERED past timestamp + coordination window after a logged TransactionFailed: never retried in time. With ready, pending, awaiting retry and silent failures it partitions every transaction buffered so far',
  },
  pauses: { label: 'Pauses', unit: 'short', description: 'EmergencyPause events per bucket (Buffer variant)' },
};

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

export const HEALTH_FIELDS: Readonly<Record<HealthField, CatalogEntry>> = {
  up: { label: 'Up', unit: 'none', description: '1 when the RPC answers and the chain id matches, else 0' },
  head_block: { label: 'Head block', unit: 'locale', description: 'Latest block number' },
  head_age_seconds: {
    label: 'Head age',
    unit: 's',
    description: 'Seconds since the latest block (0 when its timestamp is ahead of this server: see clock skew)',
  },
  clock_skew_seconds: {
    label: 'Clock skew',
    unit: 's',
    description: "Seconds the latest block's timestamp is ahead of this server's clock (0 when it is not)",
  },
  code_present: { label: 'Contract code', unit: 'none', description: '1 when code exists at the address' },
  paused: { label: 'Paused', unit: 'none', description: '1 when paused() is true (ABIs with paused only)' },
  circuit_breaker_active: {
    label: 'Circuit breaker',
    unit: 'none',
    description: '1 when circuit_breaker_active() is true (ABIs with it only)',
  },
  transaction_count: { label: 'Transactions', unit: 'locale', description: 'transaction_count()' },
  coordination_window_seconds: { label: 'Coordination window', unit: 's', description: 'coordination_window()' },
  rpc_latency_ms: { label: 'RPC latency', unit: 'ms', description: 'Round trip of the health probe' },
  accepting: {
    label: 'Accepting',
    unit: 'none',
    description: '1 when a dry run of buffer_transaction with a fresh tx_id succeeds',
  },
};

export const HEALTH_FIELD_NAMES = Object.keys(HEALTH_FIELDS) as HealthField[];

export const VARIABLE_KINDS: ReadonlyArray<{ value: VariableKind; label: string }> = [
  { value: 'deployments', label: 'Deployments' },
  { value: 'txIds', label: 'Recent tx_ids' },
  { value: 'rollups', label: 'Rollup addresses' },
  { value: 'eventNames', label: 'Event names' },
  { value: 'failureReasons', label: 'Failure reasons' },
];

/** A key of any kind of query. */
type QueryKey = TesseractQuery extends infer Q ? (Q extends unknown ? keyof Q : never) : never;

/**
 * How the editor labels each query field it shows; validation messages name fields the same way, so
 * a message points at what the user sees.
 */
export const QUERY_FIELD_LABELS = {
  deployments: 'Deployments',
  format: 'Format',
  field: 'Health value',
  eventNames: 'Events',
  txIds: 'tx_ids',
  originRollup: 'Origin rollup',
  targetRollup: 'Target rollup',
  reasonContains: 'Reason contains',
  limit: 'Limit',
  live: 'Live',
  metrics: 'Metrics',
  mode: 'Mode',
  bucketSeconds: 'Bucket (s)',
  functionName: 'Function',
  args: 'Arguments',
  block: 'Block',
  variable: 'Values',
} as const satisfies Partial<Record<QueryKey, string>>;

/** Frame labels every backend frame carries, so one alert rule yields one instance per deployment. */
export const LABEL_CHAIN = 'chain';
export const LABEL_CHAIN_ID = 'chain_id';
export const LABEL_CONTRACT = 'contract';

/**
 * The query model, typed once: the editor builds these objects, the backend validates and answers
 * them, provisioning and tests write them. A discriminated union on `queryType`.
 */

export const QUERY_SCHEMA_VERSION = 2;

export type QueryType = 'health' | 'events' | 'metrics' | 'transaction' | 'call' | 'variables';

export const QUERY_TYPES: ReadonlyArray<{ value: QueryType; label: string; description: string }> = [
  {
    value: 'health',
    label: 'Health',
    description: 'RPC, head block, contract state and whether it accepts transactions',
  },
  { value: 'events', label: 'Events', description: 'Decoded contract events as a table' },
  { value: 'metrics', label: 'Metrics', description: 'Counts, rates, ratios, resolution time, backlog over time' },
  { value: 'transaction', label: 'Transaction', description: 'Lifecycle of tx_ids across every deployment' },
  { value: 'call', label: 'Call', description: 'Any view function of the ABI' },
  { value: 'variables', label: 'Variables', description: 'Values for dashboard variables' },
];

interface QueryBase {
  refId: string;
  hide?: boolean;
  /** Grafana adds the data source reference to saved queries. */
  datasource?: { type?: string; uid?: string };
  schemaVersion?: number;
  /** Deployment names to query; empty means every deployment. Accepts template variables. */
  deployments: string[];
}

/** Health values that can be returned alone, one value per deployment, for alert rules. */
export type HealthField =
  | 'up'
  | 'head_block'
  | 'head_age_seconds'
  | 'clock_skew_seconds'
  | 'code_present'
  | 'paused'
  | 'circuit_breaker_active'
  | 'transaction_count'
  | 'coordination_window_seconds'
  | 'rpc_latency_ms'
  | 'accepting';

export interface HealthQuery extends QueryBase {
  queryType: 'health';
  /** `table`: one row per deployment with every column; `value`: one numeric frame per deployment. */
  format: 'table' | 'value';
  field: HealthField;
}

export interface EventsQuery extends QueryBase {
  queryType: 'events';
  /** Event names of the ABI (e.g. TransactionFailed); empty means all. */
  eventNames: string[];
  /** Only these tx_ids (bytes32 hex); accepts template variables. */
  txIds: string[];
  originRollup?: string;
  targetRollup?: string;
  /** Case-insensitive substring of the failure reason. */
  reasonContains?: string;
  /** Newest rows first, at most this many. */
  limit: number;
  /**
   * `table`: one table of events; `value`: one numeric frame per event (value 1) labelled chain,
   * chain_id, contract, event, tx_id and reason, so an alert rule yields one instance per event, plus a 0
   * per deployment that answered (labelled chain, chain_id, contract). Default `table`.
   */
  format?: 'table' | 'value';
  /**
   * Live mode (table format): the answer names a Grafana Live channel that then pushes each new matching
   * event as it is first seen, and a retraction row when a reorg drops one. Rows come oldest first.
   */
  live?: boolean;
}

export type MetricName =
  | 'buffered'
  | 'ready'
  | 'failed'
  | 'executed'
  | 'buffered_rate'
  | 'ready_rate'
  | 'failed_rate'
  | 'success_ratio'
  | 'failure_ratio'
  | 'resolution_p50'
  | 'resolution_p95'
  | 'resolution_p99'
  | 'pending'
  | 'awaiting_retry'
  | 'pending_overdue'
  | 'silent_failures'
  | 'failed_final'
  | 'pauses';

export interface MetricsQuery extends QueryBase {
  queryType: 'metrics';
  metrics: MetricName[];
  /**
   * `timeseries`: one series per deployment and metric, bucketed by the panel interval.
   * `window`: one value per deployment and metric over the whole time range (for alert rules
   * and stat panels: a ratio over the window, not a mean of per-bucket ratios).
   */
  mode: 'timeseries' | 'window';
  /** Bucket width override in seconds; 0 means derived from the panel's interval. */
  bucketSeconds: number;
  /**
   * Live mode, for counters only (LIVE_METRICS): a running series of on-chain totals, one row per block
   * that changed them, pushed through a Grafana Live channel.
   */
  live?: boolean;
}

/** Metrics a live query can stream: running totals of one event kind each (unconfirmed blocks included). */
export const LIVE_METRICS: readonly MetricName[] = ['buffered', 'ready', 'failed', 'pauses'];

export interface TransactionQuery extends QueryBase {
  queryType: 'transaction';
  /** tx_ids (bytes32 hex), looked up on every selected deployment; accepts template variables. */
  txIds: string[];
}

export interface CallQuery extends QueryBase {
  queryType: 'call';
  /** A view (or pure) function of the deployment's ABI. */
  functionName: string;
  /** Arguments as text, in ABI order; converted by the ABI's input types. */
  args: string[];
  /** `latest` or a block number. */
  block: string;
}

export type VariableKind = 'deployments' | 'txIds' | 'rollups' | 'eventNames' | 'failureReasons';

export interface VariablesQuery extends QueryBase {
  queryType: 'variables';
  variable: VariableKind;
  /** For txIds: at most this many recent ids. */
  limit: number;
}

export type TesseractQuery = HealthQuery | EventsQuery | MetricsQuery | TransactionQuery | CallQuery | VariablesQuery;

export type QueryOfType<T extends QueryType> = Extract<TesseractQuery, { queryType: T }>;

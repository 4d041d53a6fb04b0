import {
  QUERY_SCHEMA_VERSION,
  type EventsQuery,
  type HealthField,
  type HealthQuery,
  type MetricName,
  type MetricsQuery,
} from '../query';
import type { AlertQuery, AlertRule, AlertRuleNotificationSettings, ExecErrState, NoDataState } from './types';

/** The nested data source's plugin id (src/datasource/plugin.json). */
export const TESSERACT_DATASOURCE_TYPE = 'tesseract-monitor-datasource';
/** The app's dashboard (src/dashboards/tesseract.json). */
export const TESSERACT_DASHBOARD_UID = 'tesseract-overview';
export const EXPRESSION_DATASOURCE_UID = '__expr__';

/** Where and how the rules are created: one set of rules per data source. */
export interface AlertTarget {
  datasourceUid: string;
  folderUid: string;
  ruleGroup: string;
  /** The rule group's evaluation interval, a multiple of 10 s. Default 60. */
  intervalSeconds?: number;
  /** Contact point names. */
  receivers: { critical: string; warning: string; failures: string };
  /** Default the app's dashboard. */
  dashboardUid?: string;
  /** Deployment names the rules query; empty or absent: every deployment of the data source. */
  deployments?: string[];
  orgId?: number;
  /** Rule uids are `<prefix>-<rule>` (at most 40 characters). Default `tesseract`. */
  uidPrefix?: string;
  /** Appended to every title, e.g. ` (mainnet)`: titles must be unique within a folder. */
  titleSuffix?: string;
}

/** Grouping and timings of the monitoring guide's Alertmanager route. */
export const GUIDE_GROUP_BY = ['grafana_folder', 'alertname', 'chain'];
export const GUIDE_TIMINGS = { group_wait: '10s', group_interval: '10s', repeat_interval: '1h' } as const;

/**
 * The failure feed: each TransactionFailed is its own alert instance (labels tx_id, reason) and its own
 * notification group. The events query looks back FAILURE_LOOKBACK_SECONDS, so a failure that happened
 * while the RPC, the backend or Grafana was down is still found when they are back (outages up to the
 * lookback minus one interval). While a failure is in the window its instance stays firing: the repeat
 * interval must outlast the window plus the missing-series grace below, so it is sent once.
 */
export const FAILURE_LOOKBACK_SECONDS = 2 * 3600;
export const FAILURE_REPEAT_INTERVAL = '24h';
export const FAILURE_GROUP_BY = [...GUIDE_GROUP_BY, 'tx_id'];
/** Events the failure feed reads per evaluation; the newest come first, so new failures are never cut. */
export const FAILURE_EVENTS_LIMIT = 1000;

type Severity = 'critical' | 'warning';
type Feed = Severity | 'failures';

interface Reduce {
  reducer: 'last';
  settings: { mode: 'dropNN' } | { mode: 'replaceNN'; replaceWithValue: number };
}
const DROP_NN: Reduce = { reducer: 'last', settings: { mode: 'dropNN' } };
/** A missing value counts as 0. */
const MISSING_IS_ZERO: Reduce = { reducer: 'last', settings: { mode: 'replaceNN', replaceWithValue: 0 } };

type QueryModel = Omit<MetricsQuery, 'refId'> | Omit<HealthQuery, 'refId'> | Omit<EventsQuery, 'refId'>;

interface RuleSpec {
  key: string;
  title: string;
  severity: Severity;
  feed: Feed;
  panelId: number;
  for: string;
  noDataState: NoDataState;
  execErrState: ExecErrState;
  /** Data source queries by refId, with how far back each looks (seconds) and where it ends. */
  queries: Array<{ refId: string; from: number; to?: number; model: QueryModel }>;
  /** `reduce` (then threshold on it) or `math` (then threshold on it). */
  reduce?: { refId: string; of: string } & Reduce;
  math?: { refId: string; expression: string };
  threshold: { refId: string; of: string; type: 'gt' | 'lt'; value: number };
  summary: string;
  description: string;
  /** Why noDataState and execErrState are what they are: appended to the description. */
  states: string;
  runbook: string;
  missingSeriesEvalsToResolve?: (intervalSeconds: number) => number;
}

const metrics = (metric: MetricName): Omit<MetricsQuery, 'refId'> => ({
  queryType: 'metrics',
  deployments: [],
  metrics: [metric],
  mode: 'window',
  bucketSeconds: 0,
});
const health = (field: HealthField): Omit<HealthQuery, 'refId'> => ({
  queryType: 'health',
  deployments: [],
  format: 'value',
  field,
});

const WHERE = '{{ $labels.chain }} (chain id {{ $labels.chain_id }}, contract {{ $labels.contract }})';
const BLIND = 'A failing query raises a DatasourceError alert (Error) instead of keeping the last state.';

const RULES: RuleSpec[] = [
  {
    key: 'high-failure-rate',
    title: 'Tesseract high failure rate',
    severity: 'critical',
    feed: 'critical',
    panelId: 7,
    for: '5m',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 300, model: metrics('failure_ratio') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 0.1 },
    summary: 'More than 10 % of transactions are failing on {{ $labels.chain }}',
    description: `${WHERE}: {{ humanizePercentage $values.B.Value }} of the transactions buffered in the last 5 minutes failed (threshold 10 %).`,
    states: `No data is OK: nothing buffered has no ratio, and "low throughput" alerts on that. ${BLIND}`,
    runbook:
      'Open the Recent failures table for the reasons. "Transaction expired" means resolution is slower than the coordination window: check the resolver/operator and the target rollup. "Dependencies not satisfied" means a dependency never became ready: look its tx_id up on every deployment. A burst right after a deploy usually means an operator or role is missing.',
  },
  {
    key: 'slow-resolution',
    title: 'Tesseract slow resolution',
    severity: 'warning',
    feed: 'warning',
    panelId: 5,
    for: '10m',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 600, model: metrics('resolution_p95') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 60 },
    summary: 'Resolution time p95 above 60 s on {{ $labels.chain }}',
    description: `${WHERE}: p95 of Buffered → Ready over the last 10 minutes is {{ humanizeDuration $values.B.Value }} (threshold 60 s).`,
    states: `No data is OK: nothing resolved in the window has no p95; stuck transactions raise "pending overdue" and "silent failures". ${BLIND}`,
    runbook:
      'Check the resolver/operator process and its RPC, the pending backlog panel, and the target rollup (congestion, sequencer delays). Transactions that do not resolve within the coordination window expire and fail.',
  },
  {
    key: 'node-disconnected',
    title: 'Tesseract node disconnected',
    severity: 'critical',
    feed: 'critical',
    panelId: 20,
    for: '1m',
    noDataState: 'Alerting',
    execErrState: 'Alerting',
    queries: [{ refId: 'A', from: 60, model: health('up') }],
    reduce: { refId: 'B', of: 'A', ...MISSING_IS_ZERO },
    threshold: { refId: 'C', of: 'B', type: 'lt', value: 1 },
    summary: 'RPC node of {{ $labels.chain }} is disconnected',
    description: `${WHERE}: the JSON-RPC endpoint does not answer or reports another chain id (up = {{ $values.B.Value }}). Every other Tesseract metric of this deployment is blind until it is back.`,
    states:
      'No data and errors are Alerting: a backend that does not answer, or a failing health query, means every Tesseract alert is blind, which is exactly what this rule pages for.',
    runbook:
      'Check the RPC endpoint (provider status, API key, rate limits) and the configured chain id in the data source settings; "Save & test" on the data source names the failing deployment and the error. If every deployment is down at once, check the plugin backend in the Grafana server log. Add a fallback RPC URL to the deployment to ride out provider outages.',
  },
  {
    key: 'low-throughput',
    title: 'Tesseract low throughput',
    severity: 'warning',
    feed: 'warning',
    panelId: 2,
    for: '5m',
    noDataState: 'Alerting',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 300, model: metrics('buffered_rate') }],
    reduce: { refId: 'B', of: 'A', ...MISSING_IS_ZERO },
    threshold: { refId: 'C', of: 'B', type: 'lt', value: 1 },
    summary: 'Fewer than 1 transaction per minute buffered on {{ $labels.chain }}',
    description: `${WHERE}: {{ humanize $values.B.Value }} tx/min buffered over the last 5 minutes (threshold 1 tx/min).`,
    states: `No data is Alerting: no rate at all is no traffic seen. ${BLIND}`,
    runbook:
      'Check that the operators submitting buffer_transaction are running and authorized, that the contract is not paused and accepts transactions (Accepting panel), and that the chain produces blocks (Head age panel).',
  },
  {
    key: 'low-success-rate',
    title: 'Tesseract success rate below 95 %',
    severity: 'warning',
    feed: 'warning',
    panelId: 7,
    for: '5m',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 900, model: metrics('success_ratio') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'lt', value: 0.95 },
    summary: 'Success rate below 95 % on {{ $labels.chain }}',
    description: `${WHERE}: {{ humanizePercentage $values.B.Value }} of the transactions buffered in the last 15 minutes became ready (threshold 95 %).`,
    states: `No data is OK: nothing buffered has no ratio, and "low throughput" alerts on that. ${BLIND}`,
    runbook:
      'Compare failed, pending and silent failures for this deployment: failures have reasons in the Recent failures table; pending transactions point at a slow resolver; silent failures at a Buffer contract reverting its failures.',
  },
  {
    key: 'new-failure',
    title: 'Tesseract transaction failed',
    severity: 'warning',
    feed: 'failures',
    panelId: 11,
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [
      {
        refId: 'A',
        from: FAILURE_LOOKBACK_SECONDS,
        model: {
          queryType: 'events',
          deployments: [],
          eventNames: ['TransactionFailed'],
          txIds: [],
          limit: FAILURE_EVENTS_LIMIT,
          format: 'value',
        },
      },
    ],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 0 },
    summary: 'Transaction {{ $labels.tx_id }} failed on {{ $labels.chain }}',
    description: `${WHERE}: transaction {{ $labels.tx_id }} failed: {{ $labels.reason }}.`,
    states:
      'One alert per failure, sent once: the query looks back 2 hours, so failures during an outage are found afterwards. No data is OK: every deployment that answers reports a 0 besides its failures, so no data never hides one. A failing query raises one DatasourceError (Error) while the failures already firing stay firing (missing series are kept for 2 hours), so they are not sent again.',
    runbook:
      'Look the tx_id up in the dashboard\'s Transaction lookup (all deployments: the other leg of a cross-rollup transaction may have succeeded). "Transaction expired": resolved after timestamp + coordination window. "Dependencies not satisfied": its dependency is not READY.',
    missingSeriesEvalsToResolve: (interval) => Math.ceil(FAILURE_LOOKBACK_SECONDS / interval),
  },
  {
    key: 'contract-paused',
    title: 'Tesseract contract paused',
    severity: 'critical',
    feed: 'critical',
    panelId: 20,
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 60, model: health('paused') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 0 },
    summary: 'Tesseract contract on {{ $labels.chain }} is paused',
    description: `${WHERE}: paused() returns true (value {{ $values.B.Value }}); every buffer_transaction reverts until it is unpaused.`,
    states: `Applies to every deployment whose ABI has paused(); the others are left out by the data source. No data is OK: no deployment has paused(), or none answers ("node disconnected" pages for that). ${BLIND}`,
    runbook:
      'Find the EmergencyPause annotation on the dashboard and who sent it. If the pause is not intended, the owner (or an emergency role) calls emergency_unpause; otherwise tell the operators that transactions are refused.',
  },
  {
    key: 'silent-failures',
    title: 'Tesseract silent failures',
    severity: 'warning',
    feed: 'warning',
    panelId: 9,
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [
      { refId: 'A', from: 600, model: metrics('silent_failures') },
      { refId: 'B', from: 1200, to: 600, model: metrics('silent_failures') },
    ],
    math: { refId: 'C', expression: '$A - $B' },
    threshold: { refId: 'D', of: 'C', type: 'gt', value: 0 },
    summary: '{{ $values.C.Value }} new transaction(s) stuck BUFFERED past expiry on {{ $labels.chain }}',
    description: `${WHERE}: {{ humanize $values.C.Value }} transaction(s) went past timestamp + coordination window in the last 10 minutes and are still BUFFERED ({{ humanize $values.A.Value }} in total). TesseractBuffer reverts its TransactionFailed logs, so these failures appear nowhere else.`,
    states: `No data is OK: a deployment without a coordination window has no value. ${BLIND}`,
    runbook:
      "List the tx_ids with the Transaction lookup or the app's transaction explorer; check the resolver for reverted resolve_dependency transactions (expired or dependency not ready). The alert resolves 10 minutes after the last new one; the Silent failures panel keeps the total.",
  },
  {
    key: 'pending-overdue',
    title: 'Tesseract transactions pending overdue',
    severity: 'warning',
    feed: 'warning',
    panelId: 8,
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 60, model: metrics('pending_overdue') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 0 },
    summary: '{{ $values.B.Value }} transaction(s) pending past half their coordination window on {{ $labels.chain }}',
    description: `${WHERE}: {{ humanize $values.B.Value }} transaction(s) have been BUFFERED for more than half the coordination window with no failure logged. On TesseractBuffer a reverted resolution leaves no log: this is the warning before they expire silently.`,
    states: `No data is OK: a deployment without a coordination window has no value. ${BLIND}`,
    runbook:
      'Check the resolver/operator: its resolve_dependency transactions may be reverting (dependency not ready, missing role) or not being sent. Look the pending tx_ids up in the Transaction lookup; unresolved ones expire at timestamp + coordination window.',
  },
  {
    key: 'chain-head-stale',
    title: 'Tesseract chain head stale',
    severity: 'warning',
    feed: 'warning',
    panelId: 20,
    for: '2m',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 60, model: health('head_age_seconds') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 300 },
    summary: 'No new block on {{ $labels.chain }} for over 5 minutes',
    description: `${WHERE}: the latest block is {{ humanizeDuration $values.B.Value }} old (threshold 5 minutes). The node is stuck or out of sync, or the sequencer halted.`,
    states: `No data is OK: an unreachable node has no head age, and "node disconnected" pages for that. ${BLIND}`,
    runbook:
      "Compare the head block with a public explorer of the rollup; switch the deployment to a fallback RPC URL if the node is lagging; check the rollup's status page for a sequencer halt.",
  },
  {
    key: 'circuit-breaker',
    title: 'Tesseract circuit breaker active',
    severity: 'critical',
    feed: 'critical',
    panelId: 20,
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    queries: [{ refId: 'A', from: 60, model: health('circuit_breaker_active') }],
    reduce: { refId: 'B', of: 'A', ...DROP_NN },
    threshold: { refId: 'C', of: 'B', type: 'gt', value: 0 },
    summary: 'Circuit breaker of the Tesseract contract on {{ $labels.chain }} is active',
    description: `${WHERE}: circuit_breaker_active() returns true (value {{ $values.B.Value }}); the contract refuses new transactions.`,
    states: `Applies to every deployment whose ABI has circuit_breaker_active(); the others are left out by the data source. No data is OK: no deployment has it, or none answers ("node disconnected" pages for that). ${BLIND}`,
    runbook:
      'The breaker trips after repeated failures: read the Recent failures and silent failures panels for the cause, fix it, then reset the breaker with the owner account.',
  },
];

/** The rule keys, in the order the rules are built. */
export const TESSERACT_RULE_KEYS = RULES.map((spec) => spec.key);

const MAX_UID_LENGTH = 40;
const DEFAULT_INTERVAL_SECONDS = 60;

export function ruleUid(target: Pick<AlertTarget, 'uidPrefix'>, key: string): string {
  const uid = `${target.uidPrefix ?? 'tesseract'}-${key}`;
  if (!/^[A-Za-z0-9_-]+$/.test(uid) || uid.length > MAX_UID_LENGTH) {
    throw new Error(`rule uid "${uid}" must be at most ${MAX_UID_LENGTH} characters of [A-Za-z0-9_-]`);
  }
  return uid;
}

function notificationSettings(target: AlertTarget, feed: Feed): AlertRuleNotificationSettings {
  if (feed === 'failures') {
    return {
      receiver: target.receivers.failures,
      group_by: FAILURE_GROUP_BY,
      group_wait: GUIDE_TIMINGS.group_wait,
      group_interval: GUIDE_TIMINGS.group_interval,
      repeat_interval: FAILURE_REPEAT_INTERVAL,
    };
  }
  return { receiver: target.receivers[feed], group_by: GUIDE_GROUP_BY, ...GUIDE_TIMINGS };
}

function expression(refId: string, model: Record<string, unknown>): AlertQuery {
  return {
    refId,
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: EXPRESSION_DATASOURCE_UID,
    model: { refId, ...model, datasource: { type: EXPRESSION_DATASOURCE_UID, uid: EXPRESSION_DATASOURCE_UID } },
  };
}

function buildRule(spec: RuleSpec, target: AlertTarget): AlertRule {
  const interval = target.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  const dashboardUid = target.dashboardUid ?? TESSERACT_DASHBOARD_UID;
  const data: AlertQuery[] = spec.queries.map(({ refId, from, to, model }) => ({
    refId,
    relativeTimeRange: { from, to: to ?? 0 },
    datasourceUid: target.datasourceUid,
    model: {
      refId,
      datasource: { type: TESSERACT_DATASOURCE_TYPE, uid: target.datasourceUid },
      intervalMs: 1000,
      maxDataPoints: 43200,
      schemaVersion: QUERY_SCHEMA_VERSION,
      ...model,
      deployments: [...(target.deployments ?? [])],
    },
  }));
  if (spec.reduce) {
    const { refId, of, reducer, settings } = spec.reduce;
    data.push(expression(refId, { type: 'reduce', expression: of, reducer, settings }));
  }
  if (spec.math) {
    data.push(expression(spec.math.refId, { type: 'math', expression: spec.math.expression }));
  }
  const { refId, of, type, value } = spec.threshold;
  data.push(
    expression(refId, { type: 'threshold', expression: of, conditions: [{ evaluator: { type, params: [value] } }] })
  );
  const rule: AlertRule = {
    uid: ruleUid(target, spec.key),
    orgID: target.orgId ?? 1,
    folderUID: target.folderUid,
    ruleGroup: target.ruleGroup,
    title: spec.title + (target.titleSuffix ?? ''),
    condition: refId,
    data,
    noDataState: spec.noDataState,
    execErrState: spec.execErrState,
    for: spec.for,
    annotations: {
      summary: spec.summary,
      description: `${spec.description} ${spec.states}`,
      runbook: spec.runbook,
      __dashboardUid__: dashboardUid,
      __panelId__: String(spec.panelId),
    },
    labels: { severity: spec.severity, service: 'tesseract' },
    isPaused: false,
    notification_settings: notificationSettings(target, spec.feed),
  };
  if (spec.missingSeriesEvalsToResolve) {
    rule.missingSeriesEvalsToResolve = spec.missingSeriesEvalsToResolve(interval);
  }
  return rule;
}

/**
 * Tesseract's alert rules for one data source, as bodies of Grafana's provisioning API. Every rule
 * yields one alert instance per deployment (frames labelled chain, chain_id, contract); the failure
 * feed one per failed transaction.
 */
export function tesseractAlertRules(target: AlertTarget): AlertRule[] {
  const interval = target.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  if (!Number.isInteger(interval) || interval <= 0 || interval % 10 !== 0) {
    throw new Error(`intervalSeconds must be a positive multiple of 10, got ${interval}`);
  }
  return RULES.map((spec) => buildRule(spec, target));
}

import {
  QUERY_SCHEMA_VERSION,
  type CallQuery,
  type EventsQuery,
  type HealthQuery,
  type MetricsQuery,
  type QueryType,
  type TesseractQuery,
  type TransactionQuery,
  type VariablesQuery,
} from './types';

export const EVENTS_LIMIT_DEFAULT = 1000;
export const EVENTS_LIMIT_MAX = 50000;
export const VARIABLES_LIMIT_DEFAULT = 100;

type Defaults = { [K in QueryType]: Omit<Extract<TesseractQuery, { queryType: K }>, 'refId'> };

const DEFAULTS: Defaults = {
  health: { queryType: 'health', deployments: [], format: 'table', field: 'up' } satisfies Omit<HealthQuery, 'refId'>,
  events: {
    queryType: 'events',
    deployments: [],
    eventNames: [],
    txIds: [],
    limit: EVENTS_LIMIT_DEFAULT,
    format: 'table',
  } satisfies Omit<EventsQuery, 'refId'>,
  metrics: {
    queryType: 'metrics',
    deployments: [],
    metrics: ['buffered', 'ready', 'failed'],
    mode: 'timeseries',
    bucketSeconds: 0,
  } satisfies Omit<MetricsQuery, 'refId'>,
  transaction: { queryType: 'transaction', deployments: [], txIds: [] } satisfies Omit<TransactionQuery, 'refId'>,
  call: {
    queryType: 'call',
    deployments: [],
    functionName: 'transaction_count',
    args: [],
    block: 'latest',
  } satisfies Omit<CallQuery, 'refId'>,
  variables: {
    queryType: 'variables',
    deployments: [],
    variable: 'deployments',
    limit: VARIABLES_LIMIT_DEFAULT,
  } satisfies Omit<VariablesQuery, 'refId'>,
};

/** The query a new panel starts with: buffered, ready and failed over time. */
export const DEFAULT_QUERY_TYPE: QueryType = 'metrics';

export function defaultQuery<T extends QueryType>(
  queryType: T,
  refId = 'A'
): Extract<TesseractQuery, { queryType: T }> {
  const defaults = DEFAULTS[queryType] as Omit<Extract<TesseractQuery, { queryType: T }>, 'refId'>;
  return { ...structuredCloneDefaults(defaults), refId, schemaVersion: QUERY_SCHEMA_VERSION } as Extract<
    TesseractQuery,
    { queryType: T }
  >;
}

/** Fills missing keys of a query of a known kind with that kind's defaults. */
export function withDefaults(query: Partial<TesseractQuery> & { queryType: QueryType; refId: string }): TesseractQuery {
  const defaults = structuredCloneDefaults(DEFAULTS[query.queryType]);
  const filled: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) {
      filled[key] = value;
    }
  }
  filled.schemaVersion = QUERY_SCHEMA_VERSION;
  return filled as unknown as TesseractQuery;
}

function structuredCloneDefaults<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

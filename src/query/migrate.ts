import { QUERY_SCHEMA_VERSION, QUERY_TYPES, type QueryType, type TesseractQuery, type VariablesQuery } from './types';
import { DEFAULT_QUERY_TYPE, defaultQuery, withDefaults } from './defaults';

/**
 * Brings a saved query of any earlier schema to the current one. Version 1 (the first dashboards)
 * held single values where the model now holds lists: `deployment`, `metric`, `event`, `txId`,
 * and `reduce: true` for what is now `mode: 'window'`. Unknown keys are kept.
 */
export function migrateQuery(raw: Record<string, unknown>): Record<string, unknown> {
  const version = typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 1;
  if (version >= QUERY_SCHEMA_VERSION) {
    return raw;
  }
  const query: Record<string, unknown> = { ...raw };
  if (query.queryType === undefined || query.queryType === '') {
    query.queryType = DEFAULT_QUERY_TYPE;
  }
  moveToList(query, 'deployment', 'deployments');
  moveToList(query, 'metric', 'metrics');
  moveToList(query, 'event', 'eventNames');
  moveToList(query, 'txId', 'txIds');
  if (query.reduce !== undefined) {
    if (query.mode === undefined) {
      query.mode = query.reduce === true ? 'window' : 'timeseries';
    }
    delete query.reduce;
  }
  query.schemaVersion = QUERY_SCHEMA_VERSION;
  return query;
}

export function isQueryType(value: unknown): value is QueryType {
  return QUERY_TYPES.some((type) => type.value === value);
}

/** A migrated query of a known kind with every missing key filled from that kind's defaults. */
function filled(migrated: Record<string, unknown>, queryType: QueryType): TesseractQuery {
  const refId = typeof migrated.refId === 'string' ? migrated.refId : 'A';
  return withDefaults({ ...migrated, queryType, refId });
}

/**
 * A saved query of any schema version as a complete query of the current schema (migrated, every
 * missing key filled from its kind's defaults), or undefined when it names no known kind.
 */
export function completeQuery(raw: Record<string, unknown>): TesseractQuery | undefined {
  const migrated = migrateQuery(raw);
  return isQueryType(migrated.queryType) ? filled(migrated, migrated.queryType) : undefined;
}

/**
 * What the editor works on: a saved query of any schema version (or a brand-new `{refId}`) completed
 * like completeQuery, of the default kind when it names none known.
 */
export function normalizeQuery(
  saved: { refId: string } & Partial<Record<keyof TesseractQuery, unknown>>
): TesseractQuery {
  const migrated = migrateQuery(saved);
  return filled(migrated, isQueryType(migrated.queryType) ? migrated.queryType : DEFAULT_QUERY_TYPE);
}

/** A saved variable query in the current schema; anything else (e.g. a legacy string query) starts from the default. */
export function toVariablesQuery(saved: unknown): VariablesQuery {
  if (!saved || typeof saved !== 'object') {
    return defaultQuery('variables');
  }
  return filled(migrateQuery({ refId: 'variables', ...saved }), 'variables') as VariablesQuery;
}

function moveToList(query: Record<string, unknown>, from: string, to: string): void {
  const value = query[from];
  if (value === undefined) {
    return;
  }
  delete query[from];
  if (query[to] !== undefined) {
    return;
  }
  query[to] = typeof value === 'string' && value !== '' ? [value] : [];
}

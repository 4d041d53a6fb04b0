import { QUERY_SCHEMA_VERSION } from './types';
import { DEFAULT_QUERY_TYPE } from './defaults';

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

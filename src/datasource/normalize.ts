import {
  DEFAULT_QUERY_TYPE,
  QUERY_TYPES,
  migrateQuery,
  withDefaults,
  type QueryType,
  type TesseractQuery,
} from '../query';

function isQueryType(value: unknown): value is QueryType {
  return QUERY_TYPES.some((type) => type.value === value);
}

/**
 * A saved query of any schema version (or a brand-new `{refId}`) as a complete query of the current
 * schema: migrated, of a known kind, every missing key filled from that kind's defaults.
 */
export function normalizeQuery(
  saved: { refId: string } & Partial<Record<keyof TesseractQuery, unknown>>
): TesseractQuery {
  const migrated = migrateQuery(saved as Record<string, unknown>);
  const queryType = isQueryType(migrated.queryType) ? migrated.queryType : DEFAULT_QUERY_TYPE;
  return withDefaults({ ...migrated, queryType, refId: saved.refId });
}

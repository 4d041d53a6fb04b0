import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import { normalizeQuery, type TesseractQuery } from '../query';

// A multi-value variable is joined with a character no deployment name, tx_id or address contains,
// then split again, so `$txs` in a list becomes one entry per selected value.
const LIST_SEPARATOR = '\n';

function joinValues(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(LIST_SEPARATOR) : String(value ?? '');
}

function joinWithComma(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value ?? '');
}

/** Interpolates each entry; multi-value variables expand into several entries (empty ones dropped, order kept, no repeats). */
export function interpolateList(templateSrv: TemplateSrv, values: string[], scopedVars: ScopedVars): string[] {
  const expanded = values.flatMap((value) =>
    templateSrv
      .replace(value, scopedVars, joinValues)
      .split(LIST_SEPARATOR)
      .map((item) => item.trim())
  );
  return [...new Set(expanded.filter((item) => item !== ''))];
}

function interpolateText(
  templateSrv: TemplateSrv,
  value: string | undefined,
  scopedVars: ScopedVars
): string | undefined {
  return value === undefined ? undefined : templateSrv.replace(value, scopedVars, joinWithComma);
}

/** The query as the backend receives it: current schema, every template variable replaced. */
export function interpolateQuery(
  templateSrv: TemplateSrv,
  saved: TesseractQuery,
  scopedVars: ScopedVars
): TesseractQuery {
  const query = normalizeQuery(saved);
  const deployments = interpolateList(templateSrv, query.deployments ?? [], scopedVars);
  switch (query.queryType) {
    case 'events':
      return {
        ...query,
        deployments,
        txIds: interpolateList(templateSrv, query.txIds ?? [], scopedVars),
        eventNames: interpolateList(templateSrv, query.eventNames ?? [], scopedVars),
        originRollup: interpolateText(templateSrv, query.originRollup, scopedVars),
        targetRollup: interpolateText(templateSrv, query.targetRollup, scopedVars),
        reasonContains: interpolateText(templateSrv, query.reasonContains, scopedVars),
      };
    case 'transaction':
      return { ...query, deployments, txIds: interpolateList(templateSrv, query.txIds ?? [], scopedVars) };
    case 'call':
      return {
        ...query,
        deployments,
        args: (query.args ?? []).map((arg) => templateSrv.replace(arg, scopedVars, joinWithComma)),
        block: templateSrv.replace(query.block ?? 'latest', scopedVars, joinWithComma),
      };
    default:
      return { ...query, deployments };
  }
}

import { type DataFrame, type DataSourceInstanceSettings } from '@grafana/data';
import { getBackendSrv, getDataSourceSrv, toDataQueryResponse, type FetchResponse } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { TesseractQuery } from '../query';
import { DATASOURCE_TYPE } from './constants';

/** Every Tesseract data source the user can see. */
export function tesseractDataSources(): DataSourceInstanceSettings[] {
  return getDataSourceSrv().getList({ pluginId: DATASOURCE_TYPE });
}

export interface QueryAnswer {
  frames: DataFrame[];
  /** Per-query errors the backend reported, each prefixed by its refId. */
  errors: string[];
}

/**
 * Runs queries against one data source through Grafana's query API (the same path panels and alert
 * rules use), over a relative time range such as `now-24h`.
 */
export async function runQueries(
  dataSource: DataSourceInstanceSettings,
  queries: TesseractQuery[],
  from: string
): Promise<QueryAnswer> {
  const ref = { uid: dataSource.uid, type: dataSource.type };
  const response = await lastValueFrom(
    getBackendSrv().fetch({
      url: '/api/ds/query',
      method: 'POST',
      data: { queries: queries.map((query) => ({ ...query, datasource: ref })), from, to: 'now' },
    })
  );
  const answer = toDataQueryResponse(response as FetchResponse, queries);
  const errors = (answer.errors ?? []).map(
    (error) => `${error.refId ? `${error.refId}: ` : ''}${error.message ?? 'query failed'}`
  );
  return { frames: answer.data as DataFrame[], errors };
}

import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { from, map, type Observable } from 'rxjs';
import { defaultQuery, normalizeQuery, type TesseractQuery, type VariablesQuery } from '../query';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { TesseractOptions } from './types';

/** A saved variable query in the current schema; anything else (e.g. a legacy string query) starts from the default. */
export function toVariablesQuery(saved: unknown): VariablesQuery {
  if (!saved || typeof saved !== 'object') {
    return defaultQuery('variables');
  }
  const query = normalizeQuery({ refId: 'variables', ...saved, queryType: 'variables' });
  return query as VariablesQuery;
}

export class TesseractVariableSupport extends CustomVariableSupport<
  DataSource,
  VariablesQuery,
  TesseractQuery,
  TesseractOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<VariablesQuery>): Observable<DataQueryResponse> {
    const query = toVariablesQuery(request.targets[0]);
    return from(this.datasource.fetchVariableValues(query, request.scopedVars)).pipe(
      map((values) => ({ data: values }))
    );
  }
}

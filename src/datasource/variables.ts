import { CustomVariableSupport, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { from, map, type Observable } from 'rxjs';
import { toVariablesQuery, type TesseractQuery, type VariablesQuery } from '../query';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import type { TesseractOptions } from './types';

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

import {
  CoreApp,
  type AnnotationQuery,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import { of } from 'rxjs';
import {
  DEFAULT_QUERY_TYPE,
  checkCall,
  defaultQuery,
  normalizeQuery,
  parseQuery,
  withDeploymentDefaults,
  type DeploymentSettings,
  type TesseractQuery,
  type VariablesQuery,
} from '../query';
import { abiOfSelection } from './deployment-abi';
import { ANNOTATION_EVENTS, eventsToAnnotations } from './annotations';
import { AnnotationsEditor } from './components/AnnotationsEditor';
import { interpolateQuery } from './interpolate';
import { TesseractVariableSupport } from './variables';
import type { TesseractOptions } from './types';

/** CallResource path of the backend's variable values (body: a VariablesQuery). */
export const VARIABLES_RESOURCE = 'variables';

function withoutRefId<T extends { refId: string }>(query: T): Omit<T, 'refId'> {
  const { refId: _refId, ...rest } = query;
  return rest;
}

export class DataSource extends DataSourceWithBackend<TesseractQuery, TesseractOptions> {
  /** The deployments of this data source, as saved in its settings with the defaults filled in (no RPC URLs: those stay on the server). */
  readonly deployments: DeploymentSettings[];

  constructor(instanceSettings: DataSourceInstanceSettings<TesseractOptions>) {
    super(instanceSettings);
    this.deployments = (instanceSettings.jsonData?.deployments ?? []).map(withDeploymentDefaults);
    this.variables = new TesseractVariableSupport(this);
    this.annotations = {
      QueryEditor: AnnotationsEditor,
      getDefaultQuery: () => ({ ...withoutRefId(defaultQuery('events')), eventNames: [...ANNOTATION_EVENTS] }),
      prepareQuery: (annotation: AnnotationQuery<TesseractQuery>) =>
        annotation.target
          ? normalizeQuery({ ...annotation.target, refId: annotation.target.refId ?? 'Anno' })
          : undefined,
      processEvents: (_annotation, frames) => of(eventsToAnnotations(frames)),
    };
  }

  getDefaultQuery(_app: CoreApp): Partial<TesseractQuery> {
    return withoutRefId(defaultQuery(DEFAULT_QUERY_TYPE));
  }

  /**
   * Queries that are hidden or not valid yet (a transaction query with no tx_id, call arguments that
   * do not fit the ABI) are not sent.
   */
  filterQuery(query: TesseractQuery): boolean {
    if (query.hide) {
      return false;
    }
    const parsed = parseQuery(query, { allowTemplateVariables: true });
    if (!parsed.ok) {
      return false;
    }
    if (parsed.query.queryType === 'call') {
      const { abi } = abiOfSelection(this.deployments, parsed.query.deployments);
      return checkCall(parsed.query, abi, { allowTemplateVariables: true }).ok;
    }
    return true;
  }

  applyTemplateVariables(query: TesseractQuery, scopedVars: ScopedVars): TesseractQuery {
    return interpolateQuery(getTemplateSrv(), query, scopedVars);
  }

  /** Values of a dashboard variable, from the backend's `variables` resource. */
  fetchVariableValues(query: VariablesQuery, scopedVars: ScopedVars = {}): Promise<MetricFindValue[]> {
    const interpolated = this.applyTemplateVariables({ ...query, queryType: 'variables' }, scopedVars);
    return this.postResource<MetricFindValue[]>(VARIABLES_RESOURCE, interpolated);
  }
}

import { QueryError, type DataSourceInstance, type InstanceSettings } from './grafana';

/** Placeholder until the Tesseract data source lands: every query kind is reported as not implemented. */
export function createDataSource(settings: InstanceSettings): DataSourceInstance {
  return {
    async query(query) {
      throw new QueryError(`query kind "${query.queryType}" not implemented yet`, { status: 501 });
    },
    async checkHealth() {
      return { status: 'UNKNOWN', message: `data source ${settings.name}: health check not implemented yet` };
    },
    dispose() {},
  };
}

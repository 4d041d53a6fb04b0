import pluginJson from '../plugin.json';
import datasourcePluginJson from '../datasource/plugin.json';

export const APP_ID = pluginJson.id;
/** Plugin id of the nested data source. */
export const DATASOURCE_TYPE = datasourcePluginJson.id;
/** The Tesseract dashboard shipped with the app. */
export const DASHBOARD_UID = 'tesseract-overview';

export const ROUTES = {
  overview: 'overview',
  transactions: 'transactions',
  alerting: 'alerting',
} as const;

/** URL of an app page, as Grafana mounts the app under /a/<app id>/. */
export function appPageUrl(route: string): string {
  return `/a/${APP_ID}/${route}`;
}

/** Variables of the Tesseract dashboard (src/dashboards/tesseract.json) a link can preset. */
export interface DashboardVariables {
  datasource?: string;
  deployment?: string;
  tx_id?: string;
}

/** URL of the Tesseract dashboard with some of its variables set. */
export function dashboardUrl(variables: DashboardVariables = {}): string {
  const query = Object.entries(variables)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([name, value]) => `var-${name}=${encodeURIComponent(value)}`)
    .join('&');
  return `/d/${DASHBOARD_UID}${query ? `?${query}` : ''}`;
}

import pluginJson from '../plugin.json';

export const APP_ID = pluginJson.id;
/** Plugin id of the nested data source (src/datasource/plugin.json). */
export const DATASOURCE_TYPE = 'tesseract-monitor-datasource';
/** The Tesseract dashboard shipped with the app. */
export const DASHBOARD_UID = 'tesseract-overview';

export const ROUTES = {
  overview: 'overview',
  transactions: 'transactions',
} as const;

/** URL of an app page, as Grafana mounts the app under /a/<app id>/. */
export function appPageUrl(route: string): string {
  return `/a/${APP_ID}/${route}`;
}

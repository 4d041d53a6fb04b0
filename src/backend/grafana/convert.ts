import { QueryError } from './errors';
import type { WireDataQuery, WirePluginContext } from './protocol';
import type { DataQuery, GrafanaUser, InstanceSettings } from './types';

/** Decoding of wire messages into the SDK's types. Bad input becomes a QueryError, never a crash. */

function parseJsonBytes(bytes: Buffer | undefined, what: string): unknown {
  const text = bytes?.toString('utf8').trim() ?? '';
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new QueryError(`${what} is not valid JSON: ${(error as Error).message}`, { status: 400, source: 'plugin' });
  }
}

export const instanceSettingsError = () =>
  new QueryError('request has no data source instance settings', { status: 400, source: 'plugin' });

export function instanceSettingsFrom(context: WirePluginContext | null): InstanceSettings {
  const settings = context?.dataSourceInstanceSettings;
  if (!settings) {
    throw instanceSettingsError();
  }
  return {
    uid: settings.uid,
    orgId: context.orgId,
    name: settings.name,
    url: settings.url,
    jsonData: parseJsonBytes(settings.jsonData, 'data source jsonData') ?? {},
    secureJsonData: { ...settings.decryptedSecureJsonData },
    lastUpdatedMS: settings.lastUpdatedMS,
  };
}

/** Log fields naming the request's data source: org and uid, as Grafana keeps uids unique within an org only. */
export function dataSourceLogFields(context: WirePluginContext | null): { datasource_uid?: string; org_id?: number } {
  return { datasource_uid: context?.dataSourceInstanceSettings?.uid, org_id: context?.orgId };
}

export function userFrom(context: WirePluginContext | null): GrafanaUser | undefined {
  const user = context?.user;
  return user ? { login: user.login, name: user.name, email: user.email, role: user.role } : undefined;
}

/** The alert engine sets `FromAlert: true`; HTTP canonicalisation may change its case. */
export function isFromAlert(headers: Record<string, string>): boolean {
  return Object.entries(headers).some(
    ([key, value]) => key.toLowerCase() === 'fromalert' && value.toLowerCase() === 'true'
  );
}

export function dataQueryFrom(query: WireDataQuery): DataQuery {
  return {
    refId: query.refId,
    queryType: query.queryType,
    timeRange: { fromMs: query.timeRange?.fromEpochMS ?? 0, toMs: query.timeRange?.toEpochMS ?? 0 },
    intervalMs: query.intervalMS,
    maxDataPoints: query.maxDataPoints,
    json: parseJsonBytes(query.json, `query ${query.refId} JSON`) ?? {},
  };
}

/**
 * Fixtures for the frontend tests (jest and the Chromium harness): data source settings as Grafana
 * hands them to the plugin, and stand-ins for the two Grafana services a plugin talks to through
 * @grafana/runtime: the template service (dashboard variables) and the backend service (HTTP).
 */
import type { DataSourceInstanceSettings, ScopedVars, TypedVariableModel } from '@grafana/data';
import type { BackendSrvRequest, FetchResponse, TemplateSrv } from '@grafana/runtime';
import { Observable } from 'rxjs';
import { TESSERACT_BUFFER_ABI, type DeploymentSettings } from '../../src/query';
import type { TesseractOptions } from '../../src/datasource/types';

export const DATASOURCE_TYPE = 'tesseract-monitor-datasource';

export const DEPLOYMENTS: DeploymentSettings[] = [
  {
    id: 'd-optimism',
    name: 'optimism',
    chainId: 10,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    abi: 'simple',
    startBlock: 0,
    confirmations: 5,
    maxBlockRange: 10000,
  },
  {
    id: 'd-arbitrum',
    name: 'arbitrum',
    chainId: 42161,
    contract: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    abi: 'buffer',
    startBlock: 100,
    confirmations: 3,
    maxBlockRange: 5000,
  },
];

/** A custom ABI text that passes validation (the Buffer ABI as a build artifact). */
export const CUSTOM_ABI_TEXT = JSON.stringify({ abi: TESSERACT_BUFFER_ABI });

export function instanceSettings(
  deployments: DeploymentSettings[] = DEPLOYMENTS,
  overrides: Partial<DataSourceInstanceSettings> = {}
): DataSourceInstanceSettings<TesseractOptions> {
  return {
    id: 1,
    uid: 'tesseract-devnet',
    type: DATASOURCE_TYPE,
    name: 'Tesseract devnet',
    access: 'proxy',
    readOnly: false,
    jsonData: { deployments },
    meta: {
      id: DATASOURCE_TYPE,
      name: 'Tesseract',
      type: 'datasource',
      module: '',
      baseUrl: '',
      info: {
        author: { name: 'Tesseract' },
        description: '',
        links: [],
        logos: { small: '', large: '' },
        screenshots: [],
        updated: '',
        version: '',
      },
      backend: true,
      annotations: true,
      metrics: true,
    },
    ...overrides,
  } as DataSourceInstanceSettings<TesseractOptions>;
}

/** Dashboard variables by name; an array is a multi-value selection. */
export type Variables = Record<string, string | string[]>;

/**
 * Replaces `$name`, `${name}` and `[[name]]` like Grafana's template service: scoped variables
 * first, then dashboard variables; a format function receives multi-value selections as arrays.
 */
export function fakeTemplateSrv(variables: Variables = {}): TemplateSrv {
  const valueOf = (name: string, scopedVars?: ScopedVars): string | string[] | undefined =>
    scopedVars?.[name] !== undefined ? (scopedVars[name]!.value as string | string[]) : variables[name];
  return {
    getVariables: () =>
      Object.keys(variables).map((name) => ({ name, type: 'custom' }) as unknown as TypedVariableModel),
    replace: (target = '', scopedVars, format) =>
      target.replace(/\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g, (match, a, b, c) => {
        const value = valueOf(a ?? b ?? c, scopedVars);
        if (value === undefined) {
          return match;
        }
        if (typeof format === 'function') {
          return format(value);
        }
        return Array.isArray(value) ? `{${value.join(',')}}` : value;
      }),
    containsTemplate: (target = '') => /\$\w+|\$\{\w+\}|\[\[\w+\]\]/.test(target),
    updateTimeRange: () => {},
  };
}

export interface RecordedRequest {
  url: string;
  method?: string;
  data: unknown;
}

/**
 * A backend service answering requests by URL the way Grafana's HTTP API does; every request is
 * recorded. `answer` returns the response body, or throws `{status, data: {message}}` for an error.
 */
export function fakeBackendSrv(answer: (request: RecordedRequest) => unknown) {
  const requests: RecordedRequest[] = [];
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable((subscriber) => {
      const request = { url: options.url, method: options.method, data: options.data };
      requests.push(request);
      try {
        const data = answer(request) as T;
        subscriber.next({
          data,
          status: 200,
          statusText: 'OK',
          ok: true,
          headers: new Headers(),
          redirected: false,
          type: 'basic',
          url: options.url,
          config: options,
        });
        subscriber.complete();
      } catch (error) {
        subscriber.error(error);
      }
    });
  return { requests, backendSrv: { fetch } };
}

/** A data-plane JSON frame as /api/ds/query returns it. */
export function jsonFrame(
  refId: string,
  name: string,
  fields: Array<{
    name: string;
    type: 'time' | 'number' | 'string';
    values: unknown[];
    config?: Record<string, unknown>;
  }>
) {
  return {
    schema: {
      name,
      refId,
      fields: fields.map(({ name: fieldName, type, config }) => ({ name: fieldName, type, config: config ?? {} })),
    },
    data: { values: fields.map((field) => field.values) },
  };
}

/** Answers of the backend for the app overview: a health table and recent failures per deployment. */
export function overviewAnswer() {
  const now = Date.parse('2026-11-26T04:00:00Z');
  return {
    results: {
      health: {
        status: 200,
        frames: [
          jsonFrame('health', 'health', [
            { name: 'chain', type: 'string', values: ['optimism', 'arbitrum'] },
            { name: 'up', type: 'number', values: [1, 0] },
            { name: 'head_block', type: 'number', values: [1234567, null] },
            { name: 'head_age_seconds', type: 'number', values: [2, null] },
            { name: 'paused', type: 'number', values: [null, null] },
            { name: 'circuit_breaker_active', type: 'number', values: [null, null] },
            { name: 'transaction_count', type: 'number', values: [412, null] },
            { name: 'rpc_latency_ms', type: 'number', values: [38, null] },
            { name: 'accepting', type: 'number', values: [0, null] },
            { name: 'accepting_reason', type: 'string', values: ['Transaction already exists', null] },
            { name: 'last_error', type: 'string', values: [null, 'RPC #1: unreachable (connection refused)'] },
          ]),
        ],
      },
      failures: {
        status: 200,
        frames: [
          jsonFrame('failures', 'events', [
            { name: 'time', type: 'time', values: [now - 60_000, now - 3_600_000] },
            { name: 'chain', type: 'string', values: ['optimism', 'optimism'] },
            { name: 'block', type: 'number', values: [1234560, 1233400] },
            { name: 'event', type: 'string', values: ['TransactionFailed', 'TransactionFailed'] },
            { name: 'tx_id', type: 'string', values: ['0x' + 'ab'.repeat(32), '0x' + 'cd'.repeat(32)] },
            { name: 'reason', type: 'string', values: ['Dependency failed', 'Transaction expired'] },
          ]),
        ],
      },
    },
  };
}

/**
 * A backend service that sends each request over HTTP to the page's own origin, where the harness server
 * answers Grafana's API. Like Grafana's, it sends `data` as JSON with the request's headers, and fails
 * with `{status, statusText, data}` on a non-2xx answer. Nothing is recorded in the page: the server
 * sees the requests.
 */
export function httpBackendSrv() {
  const fetch = <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> =>
    new Observable((subscriber) => {
      window
        .fetch(options.url, {
          method: options.method ?? 'GET',
          headers: { 'content-type': 'application/json', ...options.headers },
          body: options.data === undefined ? undefined : JSON.stringify(options.data),
        })
        .then(async (response) => {
          const text = await response.text();
          const data = (text === '' ? undefined : JSON.parse(text)) as T;
          if (!response.ok) {
            subscriber.error({ status: response.status, statusText: response.statusText, data });
            return;
          }
          subscriber.next({
            data,
            status: response.status,
            statusText: response.statusText,
            ok: true,
            headers: response.headers,
            redirected: response.redirected,
            type: response.type,
            url: options.url,
            config: options,
          });
          subscriber.complete();
        })
        .catch((error: unknown) => subscriber.error(error));
    });
  return { fetch };
}

/**
 * A page that renders the plugin's real editors and app pages with the real @grafana/ui, outside
 * Grafana. Only the Grafana services behind @grafana/runtime are stood in for: dashboard variables,
 * the data source list, and the HTTP backend (answers of /api/ds/query and the variables resource; with
 * `backend=http`, Grafana's HTTP API as the harness server stands in for it).
 * The view is chosen by `?view=`; the current query or settings are shown as JSON under the editor.
 */
import './boot';
import type { DataSourceSettings } from '@grafana/data';
import {
  locationService,
  setBackendSrv,
  setDataSourceSrv,
  setTemplateSrv,
  type BackendSrv,
  type DataSourceSrv,
} from '@grafana/runtime';
import { GlobalStyles, PortalContainer } from '@grafana/ui';
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GrafanaRouter } from 'grafana-host-router';
import { Route, Routes } from 'react-router-dom';
import { App } from '../../../src/app/App';
import { AnnotationsEditor } from '../../../src/datasource/components/AnnotationsEditor';
import { ConfigEditor } from '../../../src/datasource/components/ConfigEditor';
import { QueryEditor } from '../../../src/datasource/components/QueryEditor';
import { VariableQueryEditor } from '../../../src/datasource/components/VariableQueryEditor';
import { DataSource } from '../../../src/datasource/datasource';
import { installLiveSrv, LiveView } from './live';
import type { TesseractOptions } from '../../../src/datasource/types';
import { defaultQuery, rpcUrlsKey, type QueryType, type TesseractQuery, type VariablesQuery } from '../../../src/query';
import {
  DEPLOYMENTS,
  fakeBackendSrv,
  fakeTemplateSrv,
  httpBackendSrv,
  instanceSettings,
  jsonFrame,
  overviewAnswer,
  type RecordedRequest,
} from '../../support/frontend';

declare global {
  interface Window {
    /** Requests the page sent to the stand-in backend, for the test to inspect. */
    harnessRequests: RecordedRequest[];
  }
}

const TX = '0x' + 'ab'.repeat(32);

/** What the stand-in backend answers, by URL and refId, like the Tesseract backend would. */
function answer(request: RecordedRequest): unknown {
  if (request.url.endsWith('/resources/variables')) {
    return DEPLOYMENTS.map((deployment) => ({ text: deployment.name, value: deployment.name }));
  }
  if (request.url === '/api/ds/query') {
    const refIds = (request.data as { queries: Array<{ refId: string }> }).queries.map((query) => query.refId);
    if (refIds.includes('lifecycle')) {
      return {
        results: {
          lifecycle: {
            status: 200,
            frames: [
              jsonFrame('lifecycle', 'transaction', [
                {
                  name: 'time',
                  type: 'time',
                  values: [Date.parse('2026-11-26T03:10:00Z'), Date.parse('2026-11-26T03:10:07Z')],
                },
                { name: 'chain', type: 'string', values: ['optimism', 'arbitrum'] },
                { name: 'tx_id', type: 'string', values: [TX, TX] },
                { name: 'event', type: 'string', values: ['TransactionBuffered', 'TransactionReady'] },
                { name: 'block', type: 'number', values: [1234501, 88120] },
                { name: 'tx_hash', type: 'string', values: ['0x' + '12'.repeat(32), '0x' + '34'.repeat(32)] },
                { name: 'state', type: 'string', values: ['READY', 'READY'] },
                { name: 'outcome', type: 'string', values: ['ready', 'ready'] },
                { name: 'resolution_seconds', type: 'number', values: [7, 7], config: { unit: 's' } },
                { name: 'failure_reason', type: 'string', values: [null, null] },
              ]),
            ],
          },
        },
      };
    }
    return overviewAnswer();
  }
  throw { status: 404, data: { message: `no stand-in answer for ${request.url}` } };
}

function installServices() {
  const { requests, backendSrv } = fakeBackendSrv(answer);
  window.harnessRequests = requests;
  // `backend=http`: requests go to the harness server, which stands in for Grafana's HTTP API.
  const http = new URLSearchParams(window.location.search).get('backend') === 'http';
  setBackendSrv((http ? httpBackendSrv() : backendSrv) as unknown as BackendSrv);
  setTemplateSrv(fakeTemplateSrv({ chain: ['optimism', 'arbitrum'], tx_id: TX }));
  setDataSourceSrv({ getList: () => [instanceSettings()] } as unknown as DataSourceSrv);
}

function Json({ value }: { value: unknown }) {
  return (
    <pre id="model" style={{ marginTop: 24, fontSize: 11 }}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

type Settings = DataSourceSettings<TesseractOptions, Record<string, string>>;

function ConfigView() {
  const [options, setOptions] = useState<Settings>({
    ...instanceSettings(),
    orgId: 1,
    typeName: 'Tesseract',
    typeLogoUrl: '',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: true,
    withCredentials: false,
    secureJsonFields: { [rpcUrlsKey('d-optimism')]: true, [rpcUrlsKey('d-arbitrum')]: true },
  } as unknown as Settings);
  return (
    <>
      <div id="editor">
        <ConfigEditor options={options} onOptionsChange={setOptions} />
      </div>
      <Json
        value={{
          jsonData: options.jsonData,
          secureJsonFields: options.secureJsonFields,
          secureJsonData: options.secureJsonData,
        }}
      />
    </>
  );
}

function QueryView({ kind }: { kind: QueryType }) {
  const [datasource] = useState(() => new DataSource(instanceSettings()));
  const [query, setQuery] = useState<TesseractQuery>(defaultQuery(kind));
  const [runs, setRuns] = useState(0);
  return (
    <>
      <div id="editor">
        <QueryEditor
          query={query}
          datasource={datasource}
          onChange={setQuery}
          onRunQuery={() => setRuns((n) => n + 1)}
        />
      </div>
      <p id="runs">runs: {runs}</p>
      <Json value={query} />
    </>
  );
}

function VariableView() {
  const [datasource] = useState(() => new DataSource(instanceSettings()));
  const [query, setQuery] = useState<VariablesQuery>(defaultQuery('variables'));
  return (
    <>
      <div id="editor">
        <VariableQueryEditor query={query} datasource={datasource} onChange={setQuery} onRunQuery={() => {}} />
      </div>
      <Json value={query} />
    </>
  );
}

function AnnotationsView() {
  const [datasource] = useState(() => new DataSource(instanceSettings()));
  const [query, setQuery] = useState<TesseractQuery>(
    () => ({ ...defaultQuery('events', 'Anno'), ...datasource.annotations!.getDefaultQuery!() }) as TesseractQuery
  );
  return (
    <>
      <div id="editor">
        <AnnotationsEditor query={query} datasource={datasource} onChange={setQuery} onRunQuery={() => {}} />
      </div>
      <Json value={query} />
    </>
  );
}

function AppView() {
  return (
    <div id="editor">
      <GrafanaRouter>
        <Routes>
          <Route path="/a/tesseract-monitor-app/*" element={<App {...({} as React.ComponentProps<typeof App>)} />} />
        </Routes>
      </GrafanaRouter>
    </div>
  );
}

/** Read once: the app view then moves the location to the app's page. */
const params = new URLSearchParams(window.location.search);

function View() {
  switch (params.get('view')) {
    case 'config':
      return <ConfigView />;
    case 'query':
      return <QueryView kind={(params.get('kind') as QueryType | null) ?? 'metrics'} />;
    case 'variable':
      return <VariableView />;
    case 'annotations':
      return <AnnotationsView />;
    case 'app':
      return <AppView />;
    case 'live':
      return <LiveView />;
    default:
      return <p>Unknown view</p>;
  }
}

installServices();
if (params.get('view') === 'live') {
  installLiveSrv();
}
if (params.get('view') === 'app') {
  // Grafana serves the app's pages under /a/<app id>/ and routes them on its location history.
  locationService.replace(`/a/tesseract-monitor-app/${params.get('page') ?? 'overview'}`);
}
createRoot(document.getElementById('root')!).render(
  <>
    <GlobalStyles />
    <div style={{ padding: 24, maxWidth: 1100 }}>
      <View />
    </div>
    <PortalContainer />
  </>
);

import { FieldType, createDataFrame, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { setBackendSrv, setTemplateSrv, type BackendSrv } from '@grafana/runtime';
import { firstValueFrom, type Observable } from 'rxjs';
import { DEPLOYMENTS, fakeBackendSrv, fakeTemplateSrv, instanceSettings } from '../../tests/support/frontend';
import { QUERY_SCHEMA_VERSION, defaultQuery, type TesseractQuery, type VariablesQuery } from '../query';
import { eventsToAnnotations } from './annotations';
import { DataSource } from './datasource';

const TX_A = '0x' + 'aa'.repeat(32);
const TX_B = '0x' + 'bb'.repeat(32);

function dataSource() {
  return new DataSource(instanceSettings());
}

beforeEach(() => {
  setTemplateSrv(
    fakeTemplateSrv({
      chain: ['optimism', 'arbitrum'],
      tx: [TX_A, TX_B],
      single: 'optimism',
      origin: DEPLOYMENTS[0].contract,
    })
  );
});

describe('applyTemplateVariables', () => {
  it('expands multi-value variables into list entries, without repeats', () => {
    const query = { ...defaultQuery('transaction'), deployments: ['$chain', 'optimism'], txIds: ['$tx', TX_A] };
    const result = dataSource().applyTemplateVariables(query, {});
    expect(result.deployments).toEqual(['optimism', 'arbitrum']);
    expect(result.queryType === 'transaction' && result.txIds).toEqual([TX_A, TX_B]);
  });

  it('prefers scoped variables (repeated panels) and interpolates scalar fields and call arguments', () => {
    const ds = dataSource();
    const events = ds.applyTemplateVariables(
      { ...defaultQuery('events'), deployments: ['$chain'], originRollup: '$origin', reasonContains: 'on ${single}' },
      { chain: { text: 'arbitrum', value: 'arbitrum' } }
    );
    expect(events).toMatchObject({
      deployments: ['arbitrum'],
      originRollup: DEPLOYMENTS[0].contract,
      reasonContains: 'on optimism',
    });
    const call = ds.applyTemplateVariables(
      { ...defaultQuery('call'), functionName: 'get_transaction_state', args: ['${tx}'], block: 'latest' },
      { tx: { text: TX_A, value: TX_A } }
    );
    expect(call).toMatchObject({ args: [TX_A], block: 'latest' });
  });

  it('migrates a saved schema-1 query before interpolating it', () => {
    const saved = {
      refId: 'A',
      queryType: 'metrics',
      deployment: '$single',
      metric: 'failed',
      reduce: true,
    } as unknown as TesseractQuery;
    expect(dataSource().applyTemplateVariables(saved, {})).toEqual({
      ...defaultQuery('metrics'),
      deployments: ['optimism'],
      metrics: ['failed'],
      mode: 'window',
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
  });
});

describe('filterQuery', () => {
  const ds = dataSource();
  it('skips hidden and incomplete queries', () => {
    expect(ds.filterQuery(defaultQuery('metrics'))).toBe(true);
    expect(ds.filterQuery({ ...defaultQuery('metrics'), hide: true })).toBe(false);
    expect(ds.filterQuery(defaultQuery('transaction'))).toBe(false);
    expect(ds.filterQuery({ ...defaultQuery('transaction'), txIds: ['0x12'] })).toBe(false);
    expect(ds.filterQuery({ ...defaultQuery('transaction'), txIds: ['$tx'] })).toBe(true);
  });

  it('skips call queries whose arguments do not fit the ABI', () => {
    const call = { ...defaultQuery('call'), functionName: 'get_transaction_state' };
    expect(ds.filterQuery({ ...call, args: [] })).toBe(false);
    expect(ds.filterQuery({ ...call, args: ['0x1234'] })).toBe(false);
    expect(ds.filterQuery({ ...call, args: [TX_A] })).toBe(true);
    expect(ds.filterQuery({ ...call, args: ['$tx'] })).toBe(true);
    expect(ds.filterQuery({ ...call, functionName: 'buffer_transaction', args: [] })).toBe(false);
  });
});

describe('defaults', () => {
  it('starts new panels with the default metrics query and annotations with failures and pauses', () => {
    const ds = dataSource();
    expect(ds.getDefaultQuery(0 as never)).toMatchObject({
      queryType: 'metrics',
      metrics: ['buffered', 'ready', 'failed'],
    });
    expect(ds.getDefaultQuery(0 as never)).not.toHaveProperty('refId');
    expect(ds.annotations?.getDefaultQuery?.()).toMatchObject({
      queryType: 'events',
      eventNames: ['TransactionFailed', 'EmergencyPause'],
    });
  });

  it('prepares saved annotation targets of an older schema', () => {
    const target = { refId: 'Anno', queryType: 'events', event: 'TransactionFailed' } as unknown as TesseractQuery;
    const prepared = dataSource().annotations?.prepareQuery?.({
      name: 'Failures',
      enable: true,
      iconColor: 'red',
      target,
    });
    expect(prepared).toMatchObject({
      queryType: 'events',
      eventNames: ['TransactionFailed'],
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
  });
});

describe('annotations', () => {
  it('maps events rows to annotations with title, text and tags', () => {
    const frame = createDataFrame({
      refId: 'Anno',
      fields: [
        { name: 'time', type: FieldType.time, values: [1000, 2000] },
        { name: 'chain', type: FieldType.string, values: ['optimism', 'arbitrum'] },
        { name: 'event', type: FieldType.string, values: ['TransactionFailed', 'EmergencyPause'] },
        { name: 'tx_id', type: FieldType.string, values: [TX_A, null] },
        { name: 'reason', type: FieldType.string, values: ['Dependency failed', null] },
      ],
    });
    expect(eventsToAnnotations([frame])).toEqual([
      {
        time: 1000,
        title: 'TransactionFailed on optimism',
        text: `tx_id ${TX_A}\nreason: Dependency failed`,
        tags: ['tesseract', 'TransactionFailed', 'optimism'],
      },
      { time: 2000, title: 'EmergencyPause on arbitrum', text: '', tags: ['tesseract', 'EmergencyPause', 'arbitrum'] },
    ]);
  });

  it("uses the backend's text column when there is one", () => {
    const frame = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [5] },
        { name: 'event', type: FieldType.string, values: ['TransactionFailed'] },
        { name: 'text', type: FieldType.string, values: ['tx 0xaa…, reason: expired'] },
      ],
    });
    expect(eventsToAnnotations([frame])[0]).toMatchObject({
      title: 'TransactionFailed',
      text: 'tx 0xaa…, reason: expired',
    });
  });
});

describe('variable support', () => {
  it('asks the variables resource with the interpolated query and returns its values', async () => {
    const values = [
      { text: 'optimism', value: 'optimism' },
      { text: 'arbitrum', value: 'arbitrum' },
    ];
    const { requests, backendSrv } = fakeBackendSrv(() => values);
    setBackendSrv(backendSrv as unknown as BackendSrv);
    const ds = dataSource();
    const query: VariablesQuery = { ...defaultQuery('variables'), variable: 'txIds', deployments: ['$chain'] };
    const support = ds.variables as unknown as {
      query: (request: DataQueryRequest<VariablesQuery>) => Observable<DataQueryResponse>;
    };
    const response = await firstValueFrom(
      support.query({ targets: [query], scopedVars: {} } as unknown as DataQueryRequest<VariablesQuery>)
    );
    expect(response.data).toEqual(values);
    expect(requests).toEqual([
      {
        url: '/api/datasources/uid/tesseract-devnet/resources/variables',
        method: 'POST',
        data: { ...query, deployments: ['optimism', 'arbitrum'] },
      },
    ]);
  });
});

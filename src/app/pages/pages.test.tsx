import type { DataSourceInstanceSettings } from '@grafana/data';
import { setBackendSrv, setDataSourceSrv, type BackendSrv, type DataSourceSrv } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fakeBackendSrv, instanceSettings, jsonFrame, overviewAnswer } from '../../../tests/support/frontend';
import '../../../tests/support/jsdom';
import { Overview } from './Overview';
import { TransactionExplorer } from './TransactionExplorer';

jest.setTimeout(30000);

const TX = '0x' + 'ab'.repeat(32);

function useDataSources(list: DataSourceInstanceSettings[]) {
  setDataSourceSrv({ getList: () => list } as unknown as DataSourceSrv);
}

function useBackend(answer: Parameters<typeof fakeBackendSrv>[0]) {
  const fake = fakeBackendSrv(answer);
  setBackendSrv(fake.backendSrv as unknown as BackendSrv);
  return fake.requests;
}

describe('Overview', () => {
  it('says clearly when no Tesseract data source exists', () => {
    useDataSources([]);
    render(<Overview />);
    expect(screen.getByText('No Tesseract data source is configured')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /Add a Tesseract data source/ })).toHaveAttribute(
      'href',
      '/connections/datasources/tesseract-monitor-datasource'
    );
  });

  it('shows the health of every deployment and recent failures from one backend query', async () => {
    useDataSources([instanceSettings()]);
    const requests = useBackend(() => overviewAnswer());
    render(
      <MemoryRouter>
        <Overview />
      </MemoryRouter>
    );
    const optimism = await screen.findByRole('region', { name: 'Health of optimism' });
    expect(within(optimism).getByText('Up')).toBeInTheDocument();
    expect(within(optimism).getByText('Not accepting')).toBeInTheDocument();
    expect(
      within(optimism).getByText('Dry run of buffer_transaction reverted: Transaction already exists')
    ).toBeInTheDocument();
    expect(within(optimism).getByText('38 ms')).toBeInTheDocument();
    const arbitrum = screen.getByRole('region', { name: 'Health of arbitrum' });
    expect(within(arbitrum).getByText('Down')).toBeInTheDocument();
    expect(within(arbitrum).getByText('RPC #1: unreachable (connection refused)')).toBeInTheDocument();

    const failures = screen.getByRole('table', { name: 'Recent failures on Tesseract devnet' });
    expect(within(failures).getByText('Dependency failed')).toBeInTheDocument();
    expect(
      within(failures)
        .getAllByRole('columnheader')
        .map((header) => header.textContent)
    ).toEqual(['Time', 'Chain', 'Tx ID', 'Reason']);
    expect(within(failures).getByRole('link', { name: TX })).toHaveAttribute(
      'href',
      `/a/tesseract-monitor-app/transactions?txId=${TX}`
    );
    expect(screen.getByRole('link', { name: /Open the Tesseract dashboard/ })).toHaveAttribute(
      'href',
      '/d/tesseract-overview'
    );
    expect(screen.getByRole('link', { name: /^Dashboard$/ })).toHaveAttribute(
      'href',
      '/d/tesseract-overview?var-datasource=tesseract-devnet'
    );
    expect(within(optimism).getByRole('link', { name: 'optimism' })).toHaveAttribute(
      'href',
      '/d/tesseract-overview?var-datasource=tesseract-devnet&var-deployment=optimism'
    );

    expect(requests).toHaveLength(1);
    await userEvent.setup().click(screen.getByRole('button', { name: /Refresh/ }));
    await screen.findByRole('region', { name: 'Health of optimism' });
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ url: '/api/ds/query', method: 'POST', data: { from: 'now-24h', to: 'now' } });
    const queries = (requests[0].data as { queries: Array<Record<string, unknown>> }).queries;
    expect(queries.map((query) => [query.refId, query.queryType, query.datasource])).toEqual([
      ['health', 'health', { uid: 'tesseract-devnet', type: 'tesseract-monitor-datasource' }],
      ['failures', 'events', { uid: 'tesseract-devnet', type: 'tesseract-monitor-datasource' }],
    ]);
  });

  it('shows a query error of the backend next to the data source', async () => {
    useDataSources([instanceSettings()]);
    useBackend(() => {
      throw { status: 502, data: { message: 'plugin unavailable' } };
    });
    render(<Overview />);
    expect(
      await screen.findByText('Could not query Tesseract devnet: plugin unavailable (HTTP 502)')
    ).toBeInTheDocument();
  });
});

describe('TransactionExplorer', () => {
  it('validates tx_ids and looks them up on every Tesseract data source', async () => {
    const user = userEvent.setup();
    useDataSources([
      instanceSettings(),
      instanceSettings(undefined, { uid: 'tesseract-mainnet', name: 'Tesseract mainnet' }),
    ]);
    const requests = useBackend(({ data }) => {
      const uid = (data as { queries: Array<{ datasource: { uid: string } }> }).queries[0].datasource.uid;
      return {
        results: {
          lifecycle: {
            status: 200,
            frames:
              uid === 'tesseract-devnet'
                ? [
                    jsonFrame('lifecycle', 'lifecycle', [
                      { name: 'time', type: 'time', values: [1_764_129_600_000] },
                      { name: 'chain', type: 'string', values: ['optimism'] },
                      { name: 'event', type: 'string', values: ['TransactionBuffered'] },
                    ]),
                  ]
                : [],
          },
        },
      };
    });
    render(
      <MemoryRouter initialEntries={['/a/tesseract-monitor-app/transactions']}>
        <TransactionExplorer />
      </MemoryRouter>
    );
    const input = screen.getByLabelText(/^tx_id/);
    await user.type(input, '0x1234');
    expect(screen.getByText('Not a tx_id (0x followed by 64 hex digits): 0x1234')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Look up/ })).toBeDisabled();
    await user.clear(input);
    await user.type(input, `${TX}{Enter}`);

    const devnet = await screen.findByRole('table', { name: 'Lifecycle on Tesseract devnet' });
    expect(within(devnet).getByText('TransactionBuffered')).toBeInTheDocument();
    expect(
      within(screen.getByRole('region', { name: 'Lifecycle on Tesseract devnet' })).getByRole('link', {
        name: /Dashboard/,
      })
    ).toHaveAttribute('href', `/d/tesseract-overview?var-datasource=tesseract-devnet&var-tx_id=${TX}`);
    expect(
      await screen.findByText('No event of these tx_ids on any deployment of Tesseract mainnet in this range.')
    ).toBeInTheDocument();
    expect(
      requests.map((request) => (request.data as { queries: Array<{ txIds: string[]; queryType: string }> }).queries[0])
    ).toEqual([
      expect.objectContaining({ queryType: 'transaction', txIds: [TX] }),
      expect.objectContaining({ queryType: 'transaction', txIds: [TX] }),
    ]);
  });
});

import { setTemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';
import { fakeTemplateSrv, instanceSettings } from '../../../tests/support/frontend';
import '../../../tests/support/jsdom';
import { tesseractAlertRules } from '../../alerting/rules';
import { QUERY_SCHEMA_VERSION, defaultQuery, type TesseractQuery } from '../../query';
import { DataSource } from '../datasource';
import { QueryEditor } from './QueryEditor';

const TX = '0x' + 'ab'.repeat(32);

// @grafana/ui renders slowly under jsdom; these drive whole editors.
jest.setTimeout(30000);

function renderEditor(initial: TesseractQuery) {
  const changes: TesseractQuery[] = [];
  const onRunQuery = jest.fn();
  const datasource = new DataSource(instanceSettings());
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={datasource}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          changes.push(next);
          setQuery(next);
        }}
      />
    );
  }
  const { unmount } = render(<Host />);
  return { changes, onRunQuery, unmount, latest: () => changes[changes.length - 1] };
}

beforeEach(() => setTemplateSrv(fakeTemplateSrv({ tx: [TX] })));

describe('QueryEditor', () => {
  it('rewrites a saved schema-1 query to the current schema on load', () => {
    const saved = { refId: 'B', queryType: 'metrics', deployment: 'optimism', metric: 'failure_ratio', reduce: true };
    const { changes } = renderEditor(saved as unknown as TesseractQuery);
    expect(changes[0]).toEqual({
      ...defaultQuery('metrics', 'B'),
      deployments: ['optimism'],
      metrics: ['failure_ratio'],
      mode: 'window',
      schemaVersion: QUERY_SCHEMA_VERSION,
    });
    expect(screen.getByText('Failure ratio [%]')).toBeInTheDocument();
  });

  it('switches kinds, keeping the deployments, and shows the shared validation messages', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor({ ...defaultQuery('metrics'), deployments: ['arbitrum'] });
    await user.click(screen.getByRole('radio', { name: 'Transaction' }));
    expect(latest()).toEqual({ ...defaultQuery('transaction'), deployments: ['arbitrum'] });
    expect(screen.getByText('tx_ids: enter at least one tx_id')).toBeInTheDocument();

    const txIds = screen.getByRole('combobox', { name: 'tx_ids' });
    await user.type(txIds, '0x12{Enter}');
    expect(screen.getByText('tx_id "0x12" must be 0x followed by 64 hex digits (bytes32)')).toBeInTheDocument();
    await user.type(txIds, '{Backspace}');
    await user.type(txIds, `${TX}{Enter}`);
    await user.type(txIds, '$tx');
    await user.click(await screen.findByText('$tx'));
    expect(latest()).toMatchObject({ queryType: 'transaction', txIds: [TX, '$tx'] });
    expect(screen.queryByText('This query will not run until fixed')).not.toBeInTheDocument();
  });

  it('offers one editor per kind', async () => {
    const user = userEvent.setup();
    renderEditor(defaultQuery('metrics'));
    const expectations: Array<[string, string]> = [
      ['Health', 'Format'],
      ['Events', 'Reason contains'],
      ['Metrics', 'Mode'],
      ['Transaction', 'tx_ids'],
      ['Call', 'Function'],
      ['Variables', 'Values'],
    ];
    for (const [kind, field] of expectations) {
      await user.click(screen.getByRole('radio', { name: kind }));
      expect(screen.getByText(field, { selector: 'label' })).toBeInTheDocument();
    }
  });

  it('lists metrics with their units', async () => {
    const user = userEvent.setup();
    renderEditor(defaultQuery('metrics'));
    expect(screen.getByText('Buffered [count]')).toBeInTheDocument();
    await user.click(screen.getByRole('combobox', { name: 'Metrics' }));
    expect(screen.getByText('Success ratio [%]')).toBeInTheDocument();
    expect(screen.getByText('Resolution p95 [seconds]')).toBeInTheDocument();
    expect(screen.getByText('Failed rate [tx/min]')).toBeInTheDocument();
  });

  it('builds the function picker from the ABI and checks typed arguments before running', async () => {
    const user = userEvent.setup();
    const { latest, onRunQuery } = renderEditor(defaultQuery('call'));
    await user.click(screen.getByLabelText('Function'));
    // TesseractSimple (the first deployment) has no paused(); only its view functions are offered.
    expect(screen.queryByText('paused')).not.toBeInTheDocument();
    expect(screen.queryByText('buffer_transaction')).not.toBeInTheDocument();
    await user.click(screen.getByText('get_transaction_state'));
    expect(latest()).toMatchObject({ functionName: 'get_transaction_state', args: [''] });
    onRunQuery.mockClear();

    const arg = screen.getByLabelText('Argument tx_id');
    await user.type(arg, '0x1234');
    await user.tab();
    expect(screen.getByText('tx_id (bytes32) must be 0x followed by 64 hex digits')).toBeInTheDocument();
    expect(onRunQuery).not.toHaveBeenCalled();

    await user.clear(arg);
    await user.type(arg, TX);
    await user.tab();
    expect(screen.queryByText(/must be 0x followed by 64 hex digits/)).not.toBeInTheDocument();
    expect(onRunQuery).toHaveBeenCalled();
    expect(latest()).toMatchObject({ args: [TX] });
  });

  it('offers the functions of the selected deployment', async () => {
    const user = userEvent.setup();
    renderEditor({ ...defaultQuery('call'), deployments: ['arbitrum'] });
    await user.click(screen.getByLabelText('Function'));
    expect(screen.getByText('paused')).toBeInTheDocument();
    expect(screen.getByText('circuit_breaker_active')).toBeInTheDocument();
  });

  it('names a wrongly checksummed rollup address in the events editor', async () => {
    const user = userEvent.setup();
    renderEditor(defaultQuery('events'));
    await user.type(screen.getByLabelText('Origin rollup'), '0x5fbdb2315678afecb367f032d93F642f64180aa3');
    expect(screen.getByText(/Origin rollup has a wrong checksum/)).toBeInTheDocument();
  });

  it('builds the provisioned "transaction failed" rule query with the events format switch', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(defaultQuery('events'));
    expect(screen.getByRole('radio', { name: 'Table' })).toBeChecked();
    await user.click(screen.getByRole('radio', { name: 'One value per event' }));
    await user.click(screen.getByRole('combobox', { name: 'Events' }));
    await user.click(screen.getByText('TransactionFailed'));
    const target = {
      datasourceUid: 'tesseract-devnet',
      folderUid: 'f',
      ruleGroup: 'g',
      receivers: { critical: 'c', warning: 'w', failures: 'f' },
    };
    const rule = tesseractAlertRules(target).find((candidate) => candidate.title === 'Tesseract transaction failed')!;
    const {
      refId: _refId,
      datasource: _datasource,
      intervalMs: _i,
      maxDataPoints: _m,
      ...ruleQuery
    } = rule.data[0].model as Record<string, unknown>;
    const { refId: _editorRefId, ...built } = latest() as unknown as Record<string, unknown>;
    expect(built).toEqual(ruleQuery);
  });

  it('switches live mode on for events tables and counters, and not for what the stream cannot carry', async () => {
    const user = userEvent.setup();
    const events = renderEditor(defaultQuery('events'));
    await user.click(screen.getByRole('switch', { name: 'Live' }));
    expect(events.latest()).toMatchObject({ queryType: 'events', format: 'table', live: true });
    events.unmount();
    const value = renderEditor({ ...defaultQuery('events'), format: 'value' });
    expect(screen.getByRole('switch', { name: 'Live' })).toBeDisabled();
    value.unmount();
    const counters = renderEditor({ ...defaultQuery('metrics'), metrics: ['buffered', 'failed'] });
    await user.click(screen.getByRole('switch', { name: 'Live' }));
    expect(counters.latest()).toMatchObject({ queryType: 'metrics', metrics: ['buffered', 'failed'], live: true });
    counters.unmount();
    renderEditor({ ...defaultQuery('metrics'), metrics: ['buffered', 'success_ratio'] });
    expect(screen.getByRole('switch', { name: 'Live' })).toBeDisabled();
  });

  it('shows the health value picker only for single values', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(defaultQuery('health'));
    expect(screen.queryByLabelText('Health value')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Single value' }));
    await user.click(screen.getByLabelText('Health value'));
    await user.click(screen.getByText('Accepting [value]'));
    expect(latest()).toMatchObject({ queryType: 'health', format: 'value', field: 'accepting' });
  });
});

import type { DataSourceSettings } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';
import { CUSTOM_ABI_TEXT, DEPLOYMENTS } from '../../../tests/support/frontend';
import { INDEX_STORE_POSTGRES_URL_KEY, rpcUrlsKey } from '../../query';
import type { TesseractOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

// @grafana/ui renders slowly under jsdom; these drive the whole editor.
jest.setTimeout(30000);

type Options = DataSourceSettings<TesseractOptions, Record<string, string>>;

function settings(overrides: Partial<Options> = {}): Options {
  return {
    id: 1,
    uid: 'tesseract-devnet',
    orgId: 1,
    name: 'Tesseract devnet',
    type: 'tesseract-monitor-datasource',
    typeName: 'Tesseract',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: { deployments: [] },
    secureJsonFields: {},
    ...overrides,
  } as Options;
}

/** Renders the editor the way Grafana does: options held by the page, replaced on every change. */
function renderEditor(initial: Options) {
  const changes: Options[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Host />);
  return { changes, latest: () => changes[changes.length - 1] };
}

const savedTwo = () =>
  settings({
    jsonData: { deployments: DEPLOYMENTS },
    secureJsonFields: { [rpcUrlsKey('d-optimism')]: true, [rpcUrlsKey('d-arbitrum')]: true },
  });

describe('ConfigEditor', () => {
  it('adds a deployment with a stable id and validates its fields on the spot', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(settings());
    expect(screen.getByText('No deployments yet')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /Add deployment/ }));
    const added = latest().jsonData.deployments[0];
    expect(added.id).toMatch(/^d-/);
    expect(screen.getByText(/Name is required/)).toBeInTheDocument();
    expect(screen.getByText('Add at least one RPC URL')).toBeInTheDocument();

    await user.type(screen.getByLabelText(/^Name/), 'optimism');
    await user.type(screen.getByLabelText(/^Contract address/), '0x5fbdb2315678afecb367f032d93F642f64180aa3');
    expect(
      screen.getByText(/has a wrong checksum \(expected 0x5FbDB2315678afecb367f032d93F642f64180aa3\)/)
    ).toBeInTheDocument();
    await user.clear(screen.getByLabelText(/^Contract address/));
    await user.type(screen.getByLabelText(/^Contract address/), DEPLOYMENTS[0].contract);
    expect(screen.queryByText(/Contract address (has|must)/)).not.toBeInTheDocument();

    await user.type(screen.getByLabelText('RPC URLs'), 'ws://node');
    expect(screen.getByText('RPC URLs must start with http:// or https://')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('RPC URLs'));
    await user.type(screen.getByLabelText('RPC URLs'), 'https://a.example/key{Enter}https://b.example');
    expect(screen.queryByText(/^(Add at least one RPC URL|RPC URLs must start)/)).not.toBeInTheDocument();

    const final = latest();
    expect(final.jsonData.deployments[0]).toMatchObject({
      id: added.id,
      name: 'optimism',
      contract: DEPLOYMENTS[0].contract,
    });
    expect(final.secureJsonData).toEqual({ [rpcUrlsKey(added.id)]: 'https://a.example/key\nhttps://b.example' });
    // The URLs never go into jsonData.
    expect(JSON.stringify(final.jsonData)).not.toContain('a.example');
  });

  it('shows saved RPC URLs as configured and resets them to an empty secure value', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(savedTwo());
    const optimism = screen.getByRole('region', { name: 'Deployment optimism' });
    expect(within(optimism).getByDisplayValue('configured')).toBeDisabled();
    await user.click(within(optimism).getByRole('button', { name: 'Reset' }));
    expect(latest().secureJsonFields[rpcUrlsKey('d-optimism')]).toBe(false);
    expect(latest().secureJsonData?.[rpcUrlsKey('d-optimism')]).toBe('');
    expect(latest().secureJsonFields[rpcUrlsKey('d-arbitrum')]).toBe(true);
    expect(within(optimism).getByText('Add at least one RPC URL')).toBeInTheDocument();
    await user.type(within(optimism).getByLabelText('RPC URLs'), 'https://new.example');
    expect(latest().secureJsonData?.[rpcUrlsKey('d-optimism')]).toBe('https://new.example');
  });

  it('reorders and removes deployments; ids (and so secrets) stay attached', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(savedTwo());
    const arbitrum = screen.getByRole('region', { name: 'Deployment arbitrum' });
    await user.click(within(arbitrum).getByRole('button', { name: 'Move up' }));
    expect(latest().jsonData.deployments.map((d) => d.id)).toEqual(['d-arbitrum', 'd-optimism']);
    await user.click(
      within(screen.getByRole('region', { name: 'Deployment optimism' })).getByRole('button', {
        name: 'Remove deployment',
      })
    );
    expect(latest().jsonData.deployments.map((d) => d.id)).toEqual(['d-arbitrum']);
    expect(latest().secureJsonFields).toEqual({ [rpcUrlsKey('d-optimism')]: false, [rpcUrlsKey('d-arbitrum')]: true });
    expect(latest().secureJsonData).toEqual({ [rpcUrlsKey('d-optimism')]: '' });
  });

  it('validates a custom ABI as it is typed and flags duplicate names', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(savedTwo());
    const optimism = screen.getByRole('region', { name: 'Deployment optimism' });
    await user.click(within(optimism).getByRole('radio', { name: 'Custom ABI' }));
    expect(within(optimism).getByText(/Custom ABI is empty/)).toBeInTheDocument();
    const abiField = within(optimism).getByLabelText(/^Custom ABI JSON/);
    await user.click(abiField);
    await user.paste('[{"type":"event","name":"TransactionBuffered"}]');
    expect(
      within(optimism).getByText('Custom ABI lacks the Tesseract event(s) TransactionReady, TransactionFailed')
    ).toBeInTheDocument();
    await user.clear(abiField);
    await user.paste(CUSTOM_ABI_TEXT);
    expect(within(optimism).queryByText(/Custom ABI (is|lacks|must)/)).not.toBeInTheDocument();
    expect(latest().jsonData.deployments[0]).toMatchObject({ abi: 'custom', customAbi: CUSTOM_ABI_TEXT });

    const nameField = within(screen.getByRole('region', { name: 'Deployment arbitrum' })).getByLabelText(/^Name/);
    await user.clear(nameField);
    await user.type(nameField, 'optimism');
    expect(screen.getByText('Deployment name "optimism" is used twice')).toBeInTheDocument();
  });

  it('disables every control of a provisioned (read-only) data source', () => {
    renderEditor({ ...savedTwo(), readOnly: true });
    const optimism = screen.getByRole('region', { name: 'Deployment optimism' });
    expect(within(optimism).getByLabelText(/^Name/)).toBeDisabled();
    expect(within(optimism).getByRole('button', { name: 'Reset' })).toBeDisabled();
    expect(screen.getByRole('button', { name: /Add deployment/ })).toBeDisabled();
  });

  it('names number fields that are emptied or out of range', async () => {
    const user = userEvent.setup();
    renderEditor(savedTwo());
    const optimism = screen.getByRole('region', { name: 'Deployment optimism' });
    await user.clear(within(optimism).getByLabelText(/^Confirmations/));
    expect(within(optimism).getByText('Confirmations must be a whole number from 0 to 1000')).toBeInTheDocument();
    await user.type(within(optimism).getByLabelText(/^Operator/), '0x12');
    expect(within(optimism).getByText('Operator address must be 0x followed by 40 hex digits')).toBeInTheDocument();
  });

  it('keeps the index store choice in jsonData and the Postgres URL only in secureJsonData', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(savedTwo());
    await user.type(screen.getByLabelText('Index store directory'), '/data/index');
    expect(latest().jsonData.indexStore).toEqual({ directory: '/data/index' });
    await user.click(screen.getByLabelText('Postgres'));
    await user.type(screen.getByLabelText('Index store Postgres URL'), 'postgres://u:secret@db:5432/grafana');
    const final = latest();
    expect(final.jsonData.indexStore).toEqual({ directory: '/data/index', kind: 'postgres' });
    expect(final.secureJsonData).toEqual({ [INDEX_STORE_POSTGRES_URL_KEY]: 'postgres://u:secret@db:5432/grafana' });
    expect(JSON.stringify(final.jsonData)).not.toContain('secret');
  });

  it('saves the retention as events or days and names the rule a value breaks', async () => {
    const user = userEvent.setup();
    const { latest } = renderEditor(savedTwo());
    await user.type(screen.getByLabelText('Index store retention'), '0');
    expect(screen.getByText('Must be a whole number above 0')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Index store retention'), '5');
    expect(latest().jsonData.indexStore).toEqual({ retention: { events: 5 } });
    await user.click(screen.getByLabelText('Days'));
    expect(latest().jsonData.indexStore).toEqual({ retention: { days: 5 } });
    await user.clear(screen.getByLabelText('Index store retention'));
    expect(latest().jsonData.indexStore).toEqual({ retention: undefined });
  });
});

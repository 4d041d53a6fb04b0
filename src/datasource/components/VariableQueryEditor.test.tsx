import { setBackendSrv, setTemplateSrv, type BackendSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { fakeBackendSrv, fakeTemplateSrv, instanceSettings } from '../../../tests/support/frontend';
import '../../../tests/support/jsdom';
import { defaultQuery, type VariablesQuery } from '../../query';
import { DataSource } from '../datasource';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.setTimeout(30000);

const TX = '0x' + 'ab'.repeat(32);

beforeEach(() => setTemplateSrv(fakeTemplateSrv({ chain: ['optimism'] })));

function renderEditor(query: unknown, answer: () => unknown) {
  const { requests, backendSrv } = fakeBackendSrv(answer);
  setBackendSrv(backendSrv as unknown as BackendSrv);
  const onChange = jest.fn();
  render(
    <VariableQueryEditor
      query={query as VariablesQuery}
      datasource={new DataSource(instanceSettings())}
      onChange={onChange}
      onRunQuery={() => {}}
    />
  );
  return { requests, onChange };
}

describe('VariableQueryEditor', () => {
  it('edits what the variable lists and previews the values from the variables resource', async () => {
    const user = userEvent.setup();
    const query: VariablesQuery = { ...defaultQuery('variables'), variable: 'txIds', deployments: ['$chain'] };
    const { requests, onChange } = renderEditor(query, () => [{ text: '0xabababab…ababab', value: TX }]);
    expect(screen.getByText('Recent tx_ids')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /Show values/ }));
    expect(await screen.findByText('0xabababab…ababab')).toBeInTheDocument();
    expect(requests[0]).toMatchObject({
      url: '/api/datasources/uid/tesseract-devnet/resources/variables',
      data: { variable: 'txIds', deployments: ['optimism'] },
    });

    await user.click(screen.getByRole('combobox', { name: 'Values' }));
    await user.click(screen.getByText('Failure reasons'));
    expect(onChange).toHaveBeenLastCalledWith({ ...query, variable: 'failureReasons' });
  });

  it('starts a legacy (string) variable query from the default and shows resource errors', async () => {
    const user = userEvent.setup();
    const { requests } = renderEditor('deployments()', () => {
      throw { status: 500, data: { message: 'deployment optimism: connect ECONNREFUSED' } };
    });
    await user.click(screen.getByRole('button', { name: /Show values/ }));
    expect(
      await screen.findByText('Could not load values: deployment optimism: connect ECONNREFUSED (HTTP 500)')
    ).toBeInTheDocument();
    expect(requests[0].data).toEqual(defaultQuery('variables'));
  });
});

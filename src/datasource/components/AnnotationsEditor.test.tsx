import { setTemplateSrv } from '@grafana/runtime';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';
import { fakeTemplateSrv, instanceSettings } from '../../../tests/support/frontend';
import '../../../tests/support/jsdom';
import { defaultQuery, type TesseractQuery } from '../../query';
import { DataSource } from '../datasource';
import { AnnotationsEditor } from './AnnotationsEditor';

jest.setTimeout(30000);

beforeEach(() => setTemplateSrv(fakeTemplateSrv()));

function renderEditor(query: TesseractQuery) {
  const onChange = jest.fn();
  render(
    <AnnotationsEditor
      query={query}
      datasource={new DataSource(instanceSettings())}
      onChange={onChange}
      onRunQuery={() => {}}
    />
  );
  return onChange;
}

describe('AnnotationsEditor', () => {
  it('edits the events query behind the annotations', async () => {
    const onChange = renderEditor({ ...defaultQuery('events', 'Anno'), eventNames: ['TransactionFailed'] });
    // Annotations are read from a table of events: the events editor's format switch is not offered.
    expect(screen.getByLabelText('Reason contains')).toBeInTheDocument();
    expect(screen.queryByRole('radio', { name: 'One value per event' })).not.toBeInTheDocument();
    await userEvent.setup().type(screen.getByLabelText('Reason contains'), 'x');
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ queryType: 'events', eventNames: ['TransactionFailed'], reasonContains: 'x' })
    );
  });

  it('starts an annotation that holds another kind of query from failures and pauses', () => {
    renderEditor(defaultQuery('metrics', 'Anno'));
    expect(screen.getByText('TransactionFailed')).toBeInTheDocument();
    expect(screen.getByText('EmergencyPause')).toBeInTheDocument();
  });
});

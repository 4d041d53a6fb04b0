import { FieldType, setTimeZoneResolver, toDataFrame } from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import React from 'react';
import '../../../tests/support/jsdom';
import { FrameTable, humanHeader } from './FrameTable';

// 2025-11-26 04:00:00 UTC: winter in both hemispheres' northern zones used below.
const TIME = Date.UTC(2025, 10, 26, 4, 0, 0);

function renderFrame() {
  const frame = toDataFrame({
    name: 'failures',
    fields: [
      { name: 'time', type: FieldType.time, values: [TIME] },
      { name: 'chain_id', type: FieldType.string, values: ['10'] },
      { name: 'tx_id', type: FieldType.string, values: ['0xab'] },
      { name: 'reason', type: FieldType.string, values: ['Dependency failed'], config: { displayName: 'Why' } },
    ],
  });
  render(<FrameTable frame={frame} />);
  return screen.getByRole('table', { name: 'failures' });
}

afterEach(() => setTimeZoneResolver(() => 'browser'));

describe('FrameTable', () => {
  it('shows snake_case field names as headers, keeping a display name the backend set', () => {
    const table = renderFrame();
    expect(
      within(table)
        .getAllByRole('columnheader')
        .map((header) => header.textContent)
    ).toEqual(['Time', 'Chain ID', 'Tx ID', 'Why']);
    expect(humanHeader('head_age_seconds')).toBe('Head age seconds');
  });

  it("shows times in the user's time zone, naming it", () => {
    setTimeZoneResolver(() => 'America/New_York');
    expect(within(renderFrame()).getByText('2025-11-25 23:00:00 EST')).toBeInTheDocument();
  });

  it('falls back to the browser zone (UTC under jest), also named', () => {
    expect(within(renderFrame()).getByText('2025-11-26 04:00:00 UTC')).toBeInTheDocument();
  });
});

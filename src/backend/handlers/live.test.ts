import { parseQuery, type EventsQuery } from '../../query';
import { MAX_CHANNEL_LENGTH, channelOf, channelPath, parseChannelPath, type LiveFilter } from './live';

const TX_A = '0x' + 'ab'.repeat(32);
const TX_B = '0x' + '0c'.repeat(32);

function eventsQuery(extra: Record<string, unknown>): EventsQuery {
  const parsed = parseQuery({ refId: 'A', queryType: 'events', live: true, ...extra });
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return parsed.query as EventsQuery;
}

describe('live channel paths', () => {
  const filter: LiveFilter = {
    kind: 'events',
    deployments: ['optimism', 'base mainnet ü'],
    eventNames: ['TransactionFailed', 'TransactionReady'],
    txIds: [TX_B, TX_A],
    originRollup: '0x' + '11'.repeat(20),
    targetRollup: '0x' + '22'.repeat(20),
    reasonContains: 'timeout / "x"',
    metrics: [],
  };

  it('round-trips every filter, in the characters Grafana allows in a path', () => {
    const path = channelPath(filter);
    expect(path).toMatch(/^[A-Za-z0-9_\-/=.]+$/);
    expect(parseChannelPath(path)).toEqual({
      ...filter,
      deployments: [...filter.deployments].sort(),
      txIds: [TX_B, TX_A], // sorted
    });
  });

  it('gives equal filters one channel, whatever the order', () => {
    const reordered = {
      ...filter,
      deployments: [...filter.deployments].reverse(),
      txIds: [TX_A, TX_B.toUpperCase().replace('0X', '0x')],
    };
    expect(channelPath(reordered)).toBe(channelPath(filter));
  });

  it('metrics channels carry the counters', () => {
    const path = channelPath({
      kind: 'metrics',
      deployments: [],
      eventNames: [],
      txIds: [],
      metrics: ['failed', 'buffered'],
    });
    expect(parseChannelPath(path)).toMatchObject({ kind: 'metrics', metrics: ['buffered', 'failed'] });
  });

  it('rejects paths that are not ours', () => {
    expect(parseChannelPath('v2/events')).toBeUndefined();
    expect(parseChannelPath('v1/blocks')).toBeUndefined();
    expect(parseChannelPath('v1/events/z=AA')).toBeUndefined();
    expect(parseChannelPath('v1/events/d=a b')).toBeUndefined();
  });

  it('a query becomes ds/<uid>/<path>; filters that do not fit in a channel id are a 400', () => {
    expect(channelOf('abc', eventsQuery({ txIds: [TX_A] }))).toBe(`ds/abc/${channelPath({ ...filterOf([TX_A]) })}`);
    const many = Array.from({ length: 4 }, (_, i) => '0x' + String(i).repeat(64));
    expect(() => channelOf('abc', eventsQuery({ txIds: many }))).toThrow(`limit of ${MAX_CHANNEL_LENGTH}`);
  });
});

function filterOf(txIds: string[]): LiveFilter {
  return { kind: 'events', deployments: [], eventNames: [], txIds, metrics: [] };
}

describe('live flag in the query model', () => {
  it('accepts live events tables and live counters, refuses the rest', () => {
    expect(parseQuery({ refId: 'A', queryType: 'events', live: true }).ok).toBe(true);
    expect(parseQuery({ refId: 'A', queryType: 'events', live: 'yes' })).toMatchObject({
      ok: false,
      errors: ['Live must be true or false'],
    });
    expect(parseQuery({ refId: 'A', queryType: 'events', live: true, format: 'value' })).toMatchObject({
      ok: false,
      errors: ['Live streams only the table format'],
    });
    expect(parseQuery({ refId: 'A', queryType: 'metrics', live: true, metrics: ['buffered', 'pauses'] }).ok).toBe(true);
    expect(
      parseQuery({ refId: 'A', queryType: 'metrics', live: true, metrics: ['buffered', 'pending'] })
    ).toMatchObject({
      ok: false,
      errors: ['Live streams only the counters buffered, ready, failed, pauses (not pending)'],
    });
  });
});

/** @jest-environment node */
import { numberField, stringField, timeField, type Frame } from '../../src/backend/grafana/frames';
import {
  framesToOutcome,
  math,
  reduce,
  reduceValues,
  RuleStateTracker,
  threshold,
  type NumberValue,
  type Outcome,
  type RuleDefinition,
} from '../support/alert-eval';

const numbers = (outcome: Outcome) =>
  outcome.kind === 'values'
    ? (outcome.values as NumberValue[]).map((v) => [v.labels.chain ?? '', v.value])
    : outcome.kind;

const numericMulti = (chain: string, value: number | null): Frame => ({
  name: 'x',
  meta: { type: 'numeric-multi', typeVersion: [0, 1] },
  fields: [numberField('x', value === null ? [] : [value], { labels: { chain } })],
});

const seriesFrame = (chain: string, values: Array<number | null>): Frame => ({
  meta: { type: 'timeseries-multi', typeVersion: [0, 1] },
  fields: [
    timeField(
      'time',
      values.map((_, i) => i * 1000)
    ),
    numberField('v', values, { labels: { chain } }),
  ],
});

describe('frames as Grafana expressions read them', () => {
  it('treats no frames or a frame without fields as no data', () => {
    expect(framesToOutcome([]).kind).toBe('nodata');
    expect(framesToOutcome([{ fields: [] }]).kind).toBe('nodata');
  });

  it('reads numeric-multi as one number per frame (no row = nil) and timeseries-multi as series', () => {
    expect(numbers(framesToOutcome([numericMulti('a', 3), numericMulti('b', null)]))).toEqual([
      ['a', 3],
      ['b', null],
    ]);
    const outcome = framesToOutcome([seriesFrame('a', [1, 2])]);
    expect(outcome.kind === 'values' && outcome.values[0].kind).toBe('series');
  });

  it('reads a legacy number set and rejects a long table', () => {
    const set: Frame = { fields: [stringField('chain', ['a', 'b']), numberField('n', [1, 0])] };
    expect(numbers(framesToOutcome([set]))).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
    const long: Frame = { fields: [stringField('chain', ['a']), numberField('n', [1]), numberField('m', [2])] };
    expect(framesToOutcome([long])).toEqual({ kind: 'error', message: expect.stringMatching(/wide series/) });
  });
});

describe('reduce, threshold and math with Grafana semantics', () => {
  it('reduces like mathexp: empty sum 0, empty mean/last NaN, a nil poisons sum/mean/min/max', () => {
    expect(reduceValues('sum', [])).toBe(0);
    expect(reduceValues('mean', [])).toBeNaN();
    expect(reduceValues('last', [])).toBeNaN();
    expect(reduceValues('count', [null, 1])).toBe(2);
    expect(reduceValues('sum', [1, null])).toBeNaN();
    expect(reduceValues('max', [1, 5, 2])).toBe(5);
    expect(reduceValues('median', [4, 1, 3, 2])).toBe(2.5);
  });

  it('applies dropNN and replaceNN to series and to numbers (a dropped number disappears)', () => {
    const series = framesToOutcome([seriesFrame('a', [1, null, 3])]);
    expect(numbers(reduce(series, 'mean', undefined))).toEqual([['a', NaN]]);
    expect(numbers(reduce(series, 'mean', { mode: 'dropNN' }))).toEqual([['a', 2]]);
    expect(numbers(reduce(series, 'sum', { mode: 'replaceNN', replaceWithValue: 10 }))).toEqual([['a', 14]]);
    const nils = framesToOutcome([numericMulti('a', null), numericMulti('b', 2)]);
    expect(numbers(reduce(nils, 'last', { mode: 'dropNN' }))).toEqual([['b', 2]]);
    expect(numbers(reduce(nils, 'last', { mode: 'replaceNN', replaceWithValue: 0 }))).toEqual([
      ['a', 0],
      ['b', 2],
    ]);
    expect(numbers(reduce(nils, 'last', undefined))).toEqual([
      ['a', null],
      ['b', 2],
    ]);
  });

  it('thresholds keep nil, compare NaN as false, and handle ranges', () => {
    const input = framesToOutcome([numericMulti('a', null), numericMulti('b', 0.2), numericMulti('c', 0.05)]);
    expect(numbers(threshold(input, 'gt', [0.1]))).toEqual([
      ['a', null],
      ['b', 1],
      ['c', 0],
    ]);
    expect(
      numbers(threshold({ kind: 'values', values: [{ kind: 'number', labels: {}, value: NaN }] }, 'lt', [1]))
    ).toEqual([['', 0]]);
    expect(numbers(threshold(input, 'within_range', [0.1, 0.3]))).toEqual([
      ['a', null],
      ['b', 1],
      ['c', 0],
    ]);
  });

  it('joins math operands by labels and respects precedence', () => {
    const failed = framesToOutcome([numericMulti('a', 2), numericMulti('b', 0)]);
    const buffered = framesToOutcome([numericMulti('a', 10), numericMulti('b', 5)]);
    expect(numbers(math('$F / ${T} > 0.1', { F: failed, T: buffered }))).toEqual([
      ['a', 1],
      ['b', 0],
    ]);
    expect(numbers(math('1 + 2 * 3 == 7 && !0', {}))).toEqual([['', 1]]);
    expect(math('$X > 1', { X: { kind: 'nodata' } }).kind).toBe('nodata');
  });
});

describe('alert states', () => {
  const rule = (overrides: Partial<RuleDefinition> = {}): RuleDefinition => ({
    uid: 'r',
    condition: 'C',
    for: '2m',
    noDataState: 'NoData',
    execErrState: 'Error',
    data: [
      { refId: 'A', datasourceUid: 'ds', model: {} },
      { refId: 'B', datasourceUid: '__expr__', model: { type: 'reduce', expression: 'A', reducer: 'last' } },
      {
        refId: 'C',
        datasourceUid: '__expr__',
        model: { type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [1] } }] },
      },
    ],
    ...overrides,
  });
  const minute = 60_000;
  const states = (tracker: RuleStateTracker) =>
    [...tracker.instances.values()].map((i) => [i.labels.chain ?? '', i.state]);

  it('goes Pending, then Alerting after `for`, per instance, and resolves', () => {
    const tracker = new RuleStateTracker(rule());
    const at = (t: number, a: number, b: number) =>
      tracker.evaluate(t * minute, { A: framesToOutcome([numericMulti('a', a), numericMulti('b', b)]) });
    at(0, 5, 0);
    expect(states(tracker)).toEqual([
      ['a', 'Pending'],
      ['b', 'Normal'],
    ]);
    at(1, 5, 0);
    expect(states(tracker)[0]).toEqual(['a', 'Pending']);
    at(2, 5, 0);
    expect(states(tracker)[0]).toEqual(['a', 'Alerting']);
    expect(tracker.instances.values().next().value?.values.B).toBe(5);
    at(3, 0, 0);
    expect(states(tracker)[0]).toEqual(['a', 'Normal']);
  });

  it('follows noDataState and execErrState, KeepLast keeping every instance', () => {
    const keep = new RuleStateTracker(rule({ for: '0s', noDataState: 'KeepLast', execErrState: 'KeepLast' }));
    keep.evaluate(0, { A: framesToOutcome([numericMulti('a', 5)]) });
    keep.evaluate(minute, { A: { kind: 'nodata' } });
    keep.evaluate(2 * minute, { A: { kind: 'error', message: 'down' } });
    expect(states(keep)).toEqual([['a', 'Alerting']]);

    const alerting = new RuleStateTracker(rule({ for: '1m', noDataState: 'Alerting', execErrState: 'Alerting' }));
    alerting.evaluate(0, { A: { kind: 'error', message: 'down' } });
    expect(states(alerting)).toEqual([['', 'Pending']]);
    alerting.evaluate(minute, { A: { kind: 'nodata' } });
    expect(states(alerting)).toEqual([['', 'Alerting']]);

    const ok = new RuleStateTracker(rule({ for: '0s', noDataState: 'OK' }));
    ok.evaluate(0, { A: framesToOutcome([numericMulti('a', 5)]) });
    ok.evaluate(minute, { A: { kind: 'nodata' } });
    expect(states(ok)).toEqual([['a', 'Normal']]);
  });
});

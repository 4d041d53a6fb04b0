/** @jest-environment node */
import { numberField, stringField, timeField, type Frame } from '../../src/backend/grafana/frames';
import {
  framesToOutcome,
  math,
  reduce,
  reduceValues,
  AlertmanagerModel,
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

  it('follows noDataState and execErrState as Grafana does (state manager setNextStateForRule)', () => {
    const keep = new RuleStateTracker(rule({ for: '0s', noDataState: 'KeepLast', execErrState: 'KeepLast' }));
    keep.evaluate(0, { A: framesToOutcome([numericMulti('a', 5)]) });
    keep.evaluate(minute, { A: { kind: 'nodata' } });
    keep.evaluate(2 * minute, { A: { kind: 'error', message: 'down' } });
    expect(states(keep)).toEqual([['a', 'Alerting']]);

    // Without instances, an error becomes one instance with the rule's labels only; Alerting waits `for`.
    const alerting = new RuleStateTracker(rule({ for: '1m', noDataState: 'Alerting', execErrState: 'Alerting' }));
    alerting.evaluate(0, { A: { kind: 'error', message: 'down' } });
    expect(states(alerting)).toEqual([['', 'Pending']]);
    alerting.evaluate(minute, { A: { kind: 'error', message: 'down' } });
    expect(states(alerting)).toEqual([['', 'Alerting']]);

    // OK on no data resolves every existing instance at once.
    const ok = new RuleStateTracker(rule({ for: '0s', noDataState: 'OK' }));
    ok.evaluate(0, { A: framesToOutcome([numericMulti('a', 5)]) });
    ok.evaluate(minute, { A: { kind: 'nodata' } });
    expect(states(ok)).toEqual([['a', 'Normal']]);
    expect(ok.instances.values().next().value?.resolvedAt).toBe(minute);
  });

  it('keeps a missing series firing for missing_series_evals_to_resolve intervals, and an Error instance beside it', () => {
    const tracker = new RuleStateTracker(rule({ for: '0s', missing_series_evals_to_resolve: 3 }));
    tracker.evaluate(0, { A: framesToOutcome([numericMulti('a', 5), numericMulti('b', 5)]) });
    // b goes missing, then the query fails (execErrState Error): a stays firing while missing too.
    tracker.evaluate(minute, { A: framesToOutcome([numericMulti('a', 5)]) });
    tracker.evaluate(2 * minute, { A: { kind: 'error', message: 'down' } });
    expect(states(tracker)).toEqual([
      ['a', 'Alerting'],
      ['b', 'Alerting'],
      ['', 'Error'],
    ]);
    // 3 intervals after its last evaluation b is stale: resolved and dropped; the Error instance goes
    // after one missing evaluation. Both are sent once more, resolved.
    tracker.evaluate(3 * minute, { A: framesToOutcome([numericMulti('a', 5)]) });
    expect(states(tracker)).toEqual([['a', 'Alerting']]);
    const sent = tracker.postableAlerts(3 * minute, { grafana_folder: 'F' });
    expect(sent.map((alert) => [alert.labels.alertname, alert.labels.chain, alert.endsAt > 3 * minute])).toEqual([
      ['r', 'a', true],
      ['r', 'b', false],
      ['DatasourceError', undefined, false],
    ]);
    tracker.evaluate(4 * minute, { A: framesToOutcome([numericMulti('a', 5)]) });
    expect(tracker.postableAlerts(4 * minute, {})).toHaveLength(1);
  });

  it('names Error instances DatasourceError when sent', () => {
    const tracker = new RuleStateTracker(rule({ title: 'My rule', labels: { severity: 'warning' } }));
    tracker.evaluate(0, { A: { kind: 'error', message: 'down' } });
    expect(tracker.postableAlerts(0, {}).map((alert) => alert.labels)).toEqual([
      { severity: 'warning', alertname: 'DatasourceError', rulename: 'My rule' },
    ]);
  });
});

describe('Alertmanager notifications (dispatch.go groups, notify.go dedup)', () => {
  const second = 1000;
  const routed = (receiver: string, groupBy: string[], repeat = '1h'): RuleDefinition => ({
    uid: 'r',
    title: 'R',
    condition: 'A',
    for: '0s',
    noDataState: 'OK',
    execErrState: 'Error',
    data: [],
    notification_settings: {
      receiver,
      group_by: groupBy,
      group_wait: '10s',
      group_interval: '10s',
      repeat_interval: repeat,
    },
  });
  const alert = (rule: RuleDefinition, labels: Record<string, string>, now: number, resolved = false) => ({
    labels: { alertname: 'R', ...labels },
    startsAt: 0,
    endsAt: resolved ? now : now + 180 * second,
    rule,
  });

  it('waits group_wait, batches a group, adds new alerts at the next group_interval and repeats after repeat_interval', () => {
    const am = new AlertmanagerModel({ team: true });
    const rule = routed('team', ['alertname', 'chain'], '1m');
    am.receive([alert(rule, { chain: 'a', x: '1' }, 0), alert(rule, { chain: 'a', x: '2' }, 0)], 0);
    am.advance(9 * second);
    expect(am.notifications).toHaveLength(0);
    am.advance(10 * second);
    expect(am.notifications.map((n) => [n.time, n.firing.length])).toEqual([[10 * second, 2]]);
    am.receive([alert(rule, { chain: 'a', x: '3' }, 15 * second)], 15 * second);
    am.advance(20 * second);
    expect(am.notifications.map((n) => [n.time, n.firing.length])).toEqual([
      [10 * second, 2],
      [20 * second, 3],
    ]);
    // Nothing new: silent until the repeat interval (1m) since the last notification.
    for (let t = 30; t <= 90; t += 30) {
      am.receive(
        [1, 2, 3].map((x) => alert(rule, { chain: 'a', x: String(x) }, t * second)),
        t * second
      );
    }
    expect(am.notifications.map((n) => n.time)).toEqual([10 * second, 20 * second, 80 * second]);
  });

  it('sends resolved only where the receiver wants them, and a group per tx_id notifies each once', () => {
    const am = new AlertmanagerModel({ feed: false, team: true });
    const feed = routed('feed', ['alertname', 'chain', 'tx_id'], '24h');
    const team = routed('team', ['alertname', 'chain']);
    am.receive([alert(feed, { chain: 'a', tx_id: '1' }, 0), alert(team, { chain: 'a' }, 0)], 0);
    am.receive(
      [alert(feed, { chain: 'a', tx_id: '1' }, 60 * second), alert(feed, { chain: 'a', tx_id: '2' }, 60 * second)],
      60 * second
    );
    am.receive(
      [alert(feed, { chain: 'a', tx_id: '1' }, 120 * second, true), alert(team, { chain: 'a' }, 120 * second, true)],
      120 * second
    );
    am.advance(600 * second);
    const byReceiver = (receiver: string) =>
      am.notifications
        .filter((n) => n.receiver === receiver)
        .map((n) => [n.groupLabels.tx_id, n.firing.length, n.resolved.length]);
    expect(byReceiver('feed')).toEqual([
      ['1', 1, 0],
      ['2', 1, 0],
    ]);
    expect(byReceiver('team')).toEqual([
      [undefined, 1, 0],
      [undefined, 0, 1],
    ]);
  });

  it('does not notify again after a restart: the notification log survives, groups do not', () => {
    const am = new AlertmanagerModel({ feed: false });
    const feed = routed('feed', ['alertname', 'tx_id'], '24h');
    am.receive([alert(feed, { tx_id: '1' }, 0)], 0);
    am.advance(60 * second);
    am.restart();
    am.receive([alert(feed, { tx_id: '1' }, 3600 * second), alert(feed, { tx_id: '2' }, 3600 * second)], 3600 * second);
    am.advance(3700 * second);
    expect(am.notifications.map((n) => n.groupLabels.tx_id)).toEqual(['1', '2']);
  });
});

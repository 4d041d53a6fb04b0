/**
 * In-process micro-measure of the event table's aggregation (not a test, not the bench): the provisioned
 * dashboard's metrics and events panels over 7 days, and the alert rules' queries, at the sizes given, e.g.
 * `npx tsx scripts/measure-aggregation.ts 10000 1000000`. Each refresh moves the range end by a second, as a
 * dashboard refresh does, so no scan is reused from the one before.
 */
import type { MetricName } from '../src/query';
import { newestMatching, recentValues } from '../src/backend/tesseract/eventqueries';
import { EventKind, TesseractEvent, type EventKindCode } from '../src/backend/tesseract/events';
import { EventTable } from '../src/backend/tesseract/eventtable';
import { aggregate, bucketWidthSeconds, makeBuckets, windowBucket } from '../src/backend/tesseract/aggregate';
import { Prng } from '../devnet/prng';

const DAY = 86_400;
const NAMES = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause', 'EmergencyUnpause'];

function build(size: number, end: number): EventTable {
  const prng = new Prng(size);
  const table = new EventTable();
  const start = end - 7 * DAY;
  const open: number[] = [];
  let tx = 0;
  for (let i = 0; i < size; i++) {
    const time = start + Math.floor((i / size) * 7 * DAY);
    const roll = prng.next();
    let kind: EventKindCode = EventKind.Buffered;
    let ref = tx;
    if (roll < 0.5 || open.length === 0) {
      open.push(tx++);
    } else if (roll < 0.9) {
      ref = open.splice(Math.max(0, open.length - 1 - prng.int(0, 50)), 1)[0];
      kind = EventKind.Ready;
    } else if (roll < 0.998) {
      ref = open[Math.max(0, open.length - 1 - prng.int(0, 50))];
      kind = EventKind.Failed;
    } else {
      kind = prng.chance(0.5) ? EventKind.Pause : EventKind.Unpause;
    }
    const paused = kind === EventKind.Pause || kind === EventKind.Unpause;
    table.push(
      new TesseractEvent(
        i,
        0,
        time,
        kind,
        NAMES[kind],
        'h'.repeat(32),
        paused ? null : `tx${ref}`.padEnd(32, '.'),
        kind === EventKind.Buffered ? '0x00000000000000000000000000000000000000A1' : null,
        kind === EventKind.Buffered ? '0x00000000000000000000000000000000000000B2' : null,
        null,
        kind === EventKind.Failed ? prng.pick(['Dependencies not satisfied', 'Transaction expired']) : null,
        null,
        kind === EventKind.Buffered ? time + 5 : null
      )
    );
  }
  return table;
}

/** The provisioned dashboard's metrics targets (src/dashboards/tesseract.json) as [mode, metrics]. */
const DASHBOARD: Array<['window' | 'timeseries', MetricName[]]> = [
  ['window', ['buffered_rate']],
  ['window', ['success_ratio']],
  ['window', ['resolution_p95']],
  ['window', ['failed']],
  ['timeseries', ['buffered_rate', 'ready_rate']],
  ['timeseries', ['failed']],
  ['window', ['failed']],
  ['timeseries', ['resolution_p95', 'resolution_p99']],
  ['window', ['resolution_p99']],
  ['timeseries', ['success_ratio', 'failure_ratio']],
  ['timeseries', ['pending', 'awaiting_retry', 'failed_final']],
  ['window', ['silent_failures']],
  ['timeseries', ['silent_failures', 'pauses']],
];

/** The provisioned alert rules' log-based queries (provisioning/alerting/rules.yaml) as [from s, to s, metrics | events]. */
const ALERTS: Array<[number, number, MetricName[] | 'failures']> = [
  [300, 0, ['failure_ratio']],
  [600, 0, ['resolution_p95']],
  [300, 0, ['buffered_rate']],
  [900, 0, ['success_ratio']],
  [7200, 0, 'failures'],
  [600, 0, ['silent_failures']],
  [1200, 600, ['silent_failures']],
  [60, 0, ['pending_overdue']],
];

function refresh(table: EventTable, toMs: number): void {
  const fromMs = toMs - 7 * DAY * 1000;
  const width = bucketWidthSeconds(0, 600_000, 1000, fromMs, toMs);
  const input = { events: table, coordinationWindow: 3600 };
  for (const [mode, metrics] of DASHBOARD) {
    aggregate(input, metrics, mode === 'window' ? windowBucket(fromMs, toMs) : makeBuckets(fromMs, toMs, width));
  }
  const failures = { names: ['TransactionFailed'], txIds: [] };
  newestMatching(table, failures, fromMs, toMs, 100);
  newestMatching(table, failures, fromMs, toMs, 1000);
  newestMatching(table, { names: ['EmergencyPause', 'EmergencyUnpause'], txIds: [] }, fromMs, toMs, 1000);
  recentValues(table, 'txIds', 100);
}

function alerts(table: EventTable, nowMs: number): void {
  const input = { events: table, coordinationWindow: 3600 };
  for (const [from, to, what] of ALERTS) {
    const fromMs = nowMs - from * 1000;
    const toMs = nowMs - to * 1000;
    if (what === 'failures') {
      newestMatching(table, { names: ['TransactionFailed'], txIds: [] }, fromMs, toMs, 1000);
    } else {
      aggregate(input, what, windowBucket(fromMs, toMs));
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(size: number): void {
  const end = Math.floor(Date.now() / 1000);
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const table = build(size, end);
  const buildMs = performance.now() - started;
  const rssAfter = process.memoryUsage().rss;
  const times = (run: (k: number) => void) =>
    Array.from({ length: 7 }, (_, k) => {
      const t0 = process.cpuUsage();
      run(k);
      const used = process.cpuUsage(t0);
      return (used.user + used.system) / 1000;
    });
  const refreshes = times((k) => refresh(table, end * 1000 - k * 1000));
  const evaluations = times((k) => alerts(table, end * 1000 - k * 1000));
  console.log(
    `${size} events (${table.txCount} tx ids): built in ${buildMs.toFixed(0)} ms, RSS +${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MB; ` +
      `7 d dashboard refresh CPU median ${median(refreshes).toFixed(2)} ms (first ${refreshes[0].toFixed(2)}); ` +
      `all alert rules CPU median ${median(evaluations).toFixed(2)} ms`
  );
}

for (const size of process.argv.slice(2).map(Number)) {
  measure(size);
}

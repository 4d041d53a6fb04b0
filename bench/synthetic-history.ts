// A generated Tesseract history (e.g. 1M events over 7 days) with its own ground truth: the answers the
// provisioned dashboard's metrics must give, computed from the generator's lifecycles by the rules in
// src/backend/tesseract/README.md ("Semantics"), never by the backend's code. Lifecycles follow the
// contracts (devnet/model.ts): buffered txs resolve after a heavy-tailed delay, dependents resolved too early
// fail ("Dependencies not satisfied") and are retried, some never resolve in time (a late resolve logs
// "Transaction expired" on Simple, reverts silently on Buffer), bursts expire together (an incident),
// the Buffer variant pauses (resolves wait for the unpause, or expire) and the newest txs are still pending.
import { Prng } from '../devnet/prng';

export type Variant = 'simple' | 'buffer';

export interface SyntheticHistoryOptions {
  seed: number;
  /** Target number of logs (reached approximately). */
  events: number;
  variant: Variant;
  /** Unix seconds of the last block (the head). */
  endTime: number;
  days: number;
  blockSeconds: number;
  /** coordination_window() in seconds. */
  coordinationWindow: number;
}

export const EVENT = { Buffered: 0, Ready: 1, Failed: 2, Pause: 3, Unpause: 4 } as const;
export const FAILURE_REASONS = ['Dependencies not satisfied', 'Transaction expired'] as const;
const NEVER = Number.POSITIVE_INFINITY;

/** Logs packed in columns, sorted by block then log index; `firstLogOfBlock[b]` is where block b starts. */
export interface SyntheticHistory {
  options: SyntheticHistoryOptions;
  /** Block 1's timestamp; block b is at startTime + (b − 1) · blockSeconds. */
  startTime: number;
  blocks: number;
  firstLogOfBlock: Int32Array;
  kind: Uint8Array;
  /** Tx index (pauses: 0). */
  tx: Int32Array;
  /** FAILURE_REASONS index for Failed logs. */
  reason: Uint8Array;
  /** Per tx: block time of its Buffered, declared timestamp, Ready block time (or ∞), first Failed block time (or ∞). */
  bufferedAt: Float64Array;
  declaredAt: Float64Array;
  readyAt: Float64Array;
  firstFailedAt: Float64Array;
  /** Per tx: the tx it depends on, or −1. */
  dependsOn: Int32Array;
  /** Pause and unpause block times (Buffer), in order. */
  pauses: Array<{ pausedAt: number; unpausedAt: number }>;
}

export const blockTime = (history: SyntheticHistory, block: number) =>
  history.startTime + (block - 1) * history.options.blockSeconds;

interface PlannedLog {
  time: number;
  kind: number;
  tx: number;
  reason: number;
}

/** Logs per lifecycle on average (Buffered, Ready, the failures Simple logs): sizes the tx count. */
const EVENTS_PER_TX: Record<Variant, number> = { simple: 1.99, buffer: 1.9 };

export function generateHistory(options: SyntheticHistoryOptions): SyntheticHistory {
  const prng = new Prng(options.seed);
  const { blockSeconds, coordinationWindow: window } = options;
  const blocks = Math.floor((options.days * 86_400) / blockSeconds);
  const startTime = options.endTime - (blocks - 1) * blockSeconds;
  const blockOf = (time: number) => Math.floor((time - startTime) / blockSeconds) + 1;
  const timeOfBlock = (block: number) => startTime + (block - 1) * blockSeconds;
  const txCount = Math.max(1, Math.round(options.events / EVENTS_PER_TX[options.variant]));

  // Arrivals: Poisson-like gaps, with bursts (many txs in a few minutes) and quiet hours, scaled to the span.
  const gaps = new Float64Array(txCount);
  const burstOf = new Uint8Array(txCount);
  let burstLeft = 0;
  for (let i = 0; i < txCount; i++) {
    if (burstLeft === 0 && prng.chance(0.0004)) {
      burstLeft = prng.int(50, 400);
    }
    const quiet = prng.chance(0.0005) ? 200 : 1;
    gaps[i] = -Math.log(1 - prng.next()) * (burstLeft > 0 ? 0.1 : quiet);
    burstOf[i] = burstLeft > 0 ? 1 : 0;
    burstLeft = Math.max(0, burstLeft - 1);
  }
  // Arrivals stop a little before the head, so the newest txs are pending but their Buffered is on chain.
  const first = timeOfBlock(1);
  const lastArrival = timeOfBlock(blocks) - 2 * blockSeconds;
  const total = gaps.reduce((sum, gap) => sum + gap, 0);
  const scale = (lastArrival - first) / total;

  const pauses: SyntheticHistory['pauses'] = [];
  if (options.variant === 'buffer') {
    for (let at = first + 3600; at < lastArrival - 3600; at += prng.int(6, 30) * 3600) {
      const pausedAt = timeOfBlock(blockOf(at));
      pauses.push({ pausedAt, unpausedAt: timeOfBlock(blockOf(pausedAt + prng.int(60, 1800))) });
    }
  }
  /** The first block time ≥ `time` at which the contract is not paused. */
  const unpausedFrom = (time: number) => {
    for (const pause of pauses) {
      if (time >= pause.pausedAt && time <= pause.unpausedAt) {
        return pause.unpausedAt + blockSeconds;
      }
    }
    return time;
  };

  const bufferedAt = new Float64Array(txCount);
  const declaredAt = new Float64Array(txCount);
  const readyAt = new Float64Array(txCount).fill(NEVER);
  const firstFailedAt = new Float64Array(txCount).fill(NEVER);
  const dependsOn = new Int32Array(txCount).fill(-1);
  const planned: PlannedLog[] = [];
  const head = timeOfBlock(blocks);
  const log = (time: number, kind: number, tx: number, reason = 0) => {
    if (time <= head) {
      planned.push({ time, kind, tx, reason });
    }
  };
  /** Block time of the block `delay` s after `time`, at least `minBlocks` blocks later. */
  const after = (time: number, delay: number, minBlocks = 1) =>
    timeOfBlock(Math.max(blockOf(time) + minBlocks, blockOf(time + delay)));
  const minBlocks = options.variant === 'buffer' ? 2 : 1; // Buffer: flash-loan protection
  const fail = (tx: number, time: number, reason: number) => {
    if (options.variant === 'simple' && time <= head) {
      // Buffer reverts failures: nothing is logged.
      log(time, EVENT.Failed, tx, reason);
      firstFailedAt[tx] = Math.min(firstFailedAt[tx], time);
    }
  };

  let arrival = first;
  for (let tx = 0; tx < txCount; tx++) {
    arrival += gaps[tx] * scale;
    const buffered = timeOfBlock(blockOf(arrival));
    bufferedAt[tx] = buffered;
    declaredAt[tx] = buffered - prng.int(0, 3);
    const expiry = declaredAt[tx] + window;
    log(buffered, EVENT.Buffered, tx);
    if (tx > 0 && prng.chance(0.15)) {
      dependsOn[tx] = Math.max(0, tx - prng.int(1, 5));
    }
    // Resolution delay: mostly seconds, a long tail of minutes.
    let resolve = after(buffered, 2 + Math.exp(1.5 + 1.2 * gaussian(prng)), minBlocks);
    const roll = prng.next();
    const incident = burstOf[tx] === 1 && prng.chance(0.3);
    if (incident || roll < 0.06) {
      // Never resolved in time; half of them get a late resolve attempt.
      if (prng.chance(0.5)) {
        fail(tx, after(expiry, prng.int(1, 600)), 1);
      }
      continue;
    }
    const dependency = dependsOn[tx];
    if (dependency >= 0) {
      const dependencyReady = readyAt[dependency];
      if (resolve < dependencyReady || dependencyReady === NEVER) {
        // Resolved before its dependency: fails, and is retried after it (or gives up when it never comes).
        fail(tx, resolve, 0);
        if (dependencyReady === NEVER || prng.chance(0.1)) {
          continue;
        }
        resolve = after(Math.max(resolve, dependencyReady), prng.int(2, 60));
      }
    }
    resolve = unpausedFrom(resolve);
    if (resolve > expiry) {
      // Waited out a pause (or a long tail) past the deadline: a late resolve fails.
      fail(tx, resolve, 1);
      continue;
    }
    if (resolve <= head) {
      readyAt[tx] = resolve;
      log(resolve, EVENT.Ready, tx);
    }
  }
  for (const pause of pauses) {
    log(pause.pausedAt, EVENT.Pause, 0);
    log(pause.unpausedAt, EVENT.Unpause, 0);
  }
  // Block order; within a block Buffered before resolutions (a Ready is never before its Buffered), then pauses.
  planned.sort((a, b) => a.time - b.time || a.kind - b.kind || a.tx - b.tx);
  const firstLogOfBlock = new Int32Array(blocks + 2);
  const kind = new Uint8Array(planned.length);
  const txOf = new Int32Array(planned.length);
  const reason = new Uint8Array(planned.length);
  let position = 0;
  for (let block = 1; block <= blocks + 1; block++) {
    firstLogOfBlock[block] = position;
    const time = timeOfBlock(block);
    while (position < planned.length && planned[position].time <= time && block <= blocks) {
      kind[position] = planned[position].kind;
      txOf[position] = planned[position].tx;
      reason[position] = planned[position].reason;
      position++;
    }
  }
  firstLogOfBlock[0] = 0;
  return {
    options,
    startTime,
    blocks,
    firstLogOfBlock,
    kind,
    tx: txOf,
    reason,
    bufferedAt,
    declaredAt,
    readyAt,
    firstFailedAt,
    dependsOn,
    pauses,
  };
}

function gaussian(prng: Prng): number {
  return Math.sqrt(-2 * Math.log(1 - prng.next())) * Math.cos(2 * Math.PI * prng.next());
}

/** What the window-mode metrics over [fromMs, toMs] must answer (null: no value). */
export interface GroundTruth {
  buffered: number;
  ready: number;
  failed: number;
  pauses: number;
  buffered_rate: number | null;
  ready_rate: number | null;
  success_ratio: number | null;
  failure_ratio: number | null;
  resolution_p50: number | null;
  resolution_p95: number | null;
  resolution_p99: number | null;
  pending: number;
  awaiting_retry: number;
  silent_failures: number;
  failed_final: number;
}

export const TRUTH_METRICS = [
  'buffered',
  'ready',
  'failed',
  'pauses',
  'buffered_rate',
  'ready_rate',
  'success_ratio',
  'failure_ratio',
  'resolution_p50',
  'resolution_p95',
  'resolution_p99',
  'pending',
  'awaiting_retry',
  'silent_failures',
  'failed_final',
] as const satisfies ReadonlyArray<keyof GroundTruth>;

/** Nearest rank: the smallest sample with at least q of the samples at or below it. */
function nearestRank(sorted: Float64Array, q: number): number | null {
  return sorted.length === 0
    ? null
    : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Brute force over every log and tx, by the README's rules. */
export function groundTruth(history: SyntheticHistory, fromMs: number, toMs: number): GroundTruth {
  const inRange = (time: number) => fromMs <= time * 1000 && time * 1000 <= toMs;
  let buffered = 0;
  let ready = 0;
  let failed = 0;
  let pauses = 0;
  const resolutions: number[] = [];
  for (let block = 1; block <= history.blocks; block++) {
    const time = blockTime(history, block);
    if (!inRange(time)) {
      continue;
    }
    for (let i = history.firstLogOfBlock[block]; i < history.firstLogOfBlock[block + 1]; i++) {
      switch (history.kind[i]) {
        case EVENT.Buffered:
          buffered++;
          break;
        case EVENT.Ready:
          ready++;
          resolutions.push(time - history.bufferedAt[history.tx[i]]);
          break;
        case EVENT.Failed:
          failed++;
          break;
        case EVENT.Pause:
          pauses++;
          break;
      }
    }
  }
  // The backlog at the window's last included instant: ranges have millisecond resolution and include toMs.
  const instant = toMs / 1000;
  const backlog = { pending: 0, awaiting_retry: 0, silent_failures: 0, failed_final: 0 };
  const window = history.options.coordinationWindow;
  for (let tx = 0; tx < history.bufferedAt.length; tx++) {
    if (history.bufferedAt[tx] > instant || history.readyAt[tx] <= instant) {
      continue;
    }
    const expired = instant > history.declaredAt[tx] + window;
    const failedByThen = history.firstFailedAt[tx] <= instant;
    const state = expired
      ? failedByThen
        ? 'failed_final'
        : 'silent_failures'
      : failedByThen
        ? 'awaiting_retry'
        : 'pending';
    backlog[state]++;
  }
  const sorted = Float64Array.from(resolutions).sort();
  const minutes = (toMs + 1 - fromMs) / 60_000;
  return {
    buffered,
    ready,
    failed,
    pauses,
    buffered_rate: minutes > 0 ? buffered / minutes : null,
    ready_rate: minutes > 0 ? ready / minutes : null,
    success_ratio: buffered > 0 ? ready / buffered : null,
    failure_ratio: buffered > 0 ? failed / buffered : null,
    resolution_p50: nearestRank(sorted, 0.5),
    resolution_p95: nearestRank(sorted, 0.95),
    resolution_p99: nearestRank(sorted, 0.99),
    ...backlog,
  };
}

/** Names of the metrics whose answer differs from the ground truth (rates and ratios to 1e-9 relative). */
export function mismatches(truth: GroundTruth, answers: Partial<Record<keyof GroundTruth, number | null>>): string[] {
  const wrong: string[] = [];
  for (const metric of TRUTH_METRICS) {
    if (!(metric in answers)) {
      continue;
    }
    const expected = truth[metric];
    const actual = answers[metric] ?? null;
    const equal =
      expected === null || actual === null
        ? expected === actual
        : Math.abs(expected - actual) <= 1e-9 * Math.max(1, Math.abs(expected));
    if (!equal) {
      wrong.push(`${metric}: got ${String(actual)}, expected ${String(expected)}`);
    }
  }
  return wrong;
}

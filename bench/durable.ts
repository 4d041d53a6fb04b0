/**
 * Benchmark rows of the persisted index (issue #16), through the built executable on a synthetic node:
 * - restart: fill an index of N events in a file store, kill -9, start again on the same directory, and time
 *   the first dashboard answer; count its eth_getLogs (0 expected: every block is indexed) and peak RSS;
 * - the same with a retention (keep the newest K events): the store and the peak RSS of the fill and of the
 *   restart stay bounded by K, not by the history;
 * - replicas: three processes on one Postgres against one process alone, total eth_getLogs;
 * - bounded, on request (`--durable-long=<events>`, e.g. 10000000: minutes): a history that long filled with
 *   the same retention, whose fill peak RSS, store and kept events must be those of the shorter one (issue #16).
 * `npx tsx bench/durable.ts [events…]` prints them; `npm run bench -- --rows=durable` runs them as the
 * `durable` row set (DurableRows) and writes them into RESULTS.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { log } from './measure';
import path from 'node:path';
import { PluginHost, type SettingsInput } from '../harness/plugin-host';
import { startPostgres } from '../harness/postgres';
import { INDEX_STORE_POSTGRES_URL_KEY } from '../src/query';
import { startSyntheticChain } from './synthetic-chain';

const CONTRACT = '0x' + '42'.repeat(20);

function settingsFor(uid: string, url: string, indexStore: Record<string, unknown>, extraSecure = {}): SettingsInput {
  return {
    uid,
    jsonData: {
      deployments: [
        {
          id: 'synthetic',
          name: 'synthetic',
          chainId: 4242,
          contract: CONTRACT,
          abi: 'simple',
          startBlock: 1,
          confirmations: 5,
          maxBlockRange: 100,
        },
      ],
      indexStore,
    },
    secureJsonData: { 'rpcUrls.synthetic': url, ...extraSecure },
  };
}

async function buffered(host: PluginHost, settings: SettingsInput, startTime: number): Promise<number> {
  const answer = (
    await host.queryData({
      settings,
      queries: [
        {
          refId: 'A',
          json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window' },
          timeRange: { fromMs: (startTime - 60) * 1000, toMs: Date.now() + 60_000 },
        },
      ],
    })
  ).A;
  if (answer.error) {
    throw new Error(answer.error);
  }
  return Number(answer.frames.flatMap((f) => f.fields).find((f) => f.type === 'number')?.values[0]);
}

/** VmHWM of a process, MB. */
function peakRssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : NaN;
}

export interface RestartRow {
  events: number;
  /** The retention (events kept), when one was set. */
  keep?: number;
  /** Events the restarted process loaded from the store. */
  loaded: number;
  fillPeakRssMb: number;
  fillSeconds: number;
  fillGetLogs: number;
  storeMb: number;
  /** Process start (spawn to handshake) plus the first answer. */
  restartToAnswerMs: number;
  firstAnswerMs: number;
  /** Of which reading and replaying the store (the backend's own measure). */
  replayMs: number;
  restartGetLogs: number;
  restartPeakRssMb: number;
  exact: boolean;
}

export async function measureRestart(events: number, keep?: number): Promise<RestartRow> {
  const blocks = Math.max(100, Math.ceil(events / 100));
  const startTime = Math.floor(Date.now() / 1000) - blocks * 12 - 60;
  const chain = await startSyntheticChain({ chainId: 4242, contract: CONTRACT, logs: events, blocks, startTime });
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-durable-'));
  const settings = settingsFor('bench-durable', chain.url, {
    directory: dir,
    ...(keep === undefined ? {} : { retention: { events: keep } }),
  });
  try {
    const first = await PluginHost.start();
    let started = performance.now();
    // A long backfill outlasts one call's deadline; the backend goes on, and the next call joins it.
    let filled = NaN;
    for (let attempt = 0; Number.isNaN(filled); attempt++) {
      filled = await buffered(first, settings, startTime).catch((error: Error) => {
        if (attempt >= 5 + events / 200_000 || !/DEADLINE_EXCEEDED/.test(error.message)) {
          throw error;
        }
        return NaN;
      });
    }
    const fillSeconds = (performance.now() - started) / 1000;
    const fillGetLogs = chain.getLogsCalls();
    const fillPeakRssMb = peakRssMb(first.pid);
    await first.kill();
    const storeMb = readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0) / 1e6;

    started = performance.now();
    const second = await PluginHost.start();
    const answerStarted = performance.now();
    const again = await buffered(second, settings, startTime);
    const done = performance.now();
    const loaded = await second.waitForLog((line) => line['@message'] === 'Log index loaded from the index store');
    const row: RestartRow = {
      events,
      ...(keep === undefined ? {} : { keep }),
      loaded: Number(loaded.records),
      fillPeakRssMb,
      fillSeconds,
      fillGetLogs,
      storeMb,
      restartToAnswerMs: done - started,
      firstAnswerMs: done - answerStarted,
      replayMs: Number(loaded.ms),
      restartGetLogs: chain.getLogsCalls() - fillGetLogs,
      restartPeakRssMb: peakRssMb(second.pid),
      // With a retention: the kept events (at most a quarter more than kept, and a block), the same after the restart.
      exact:
        again === filled &&
        (keep === undefined
          ? filled === events / 2
          : Number(loaded.records) >= keep && Number(loaded.records) <= keep * 1.25 + 100 && filled > 0),
    };
    await second.kill();
    return row;
  } finally {
    await chain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ReplicasRow {
  events: number;
  oneGetLogs: number;
  threeGetLogs: number;
  exact: boolean;
}

export async function measureReplicas(events: number): Promise<ReplicasRow> {
  const blocks = Math.max(100, Math.ceil(events / 100));
  const startTime = Math.floor(Date.now() / 1000) - blocks * 12 - 60;
  const postgres = await startPostgres();
  const alone = await startSyntheticChain({ chainId: 4242, contract: CONTRACT, logs: events, blocks, startTime });
  const shared = await startSyntheticChain({ chainId: 4242, contract: CONTRACT, logs: events, blocks, startTime });
  try {
    const single = await PluginHost.start();
    const one = await buffered(single, settingsFor('bench-one', alone.url, { kind: 'memory' }), startTime);
    await single.kill();
    const settings = settingsFor(
      'bench-three',
      shared.url,
      { kind: 'postgres' },
      { [INDEX_STORE_POSTGRES_URL_KEY]: postgres.url }
    );
    const hosts = await Promise.all([PluginHost.start(), PluginHost.start(), PluginHost.start()]);
    const answers = await Promise.all(hosts.map((host) => buffered(host, settings, startTime)));
    await Promise.all(hosts.map((host) => host.kill()));
    return {
      events,
      oneGetLogs: alone.getLogsCalls(),
      threeGetLogs: shared.getLogsCalls(),
      exact: one === events / 2 && answers.every((answer) => answer === one),
    };
  } finally {
    await alone.close();
    await shared.close();
    await postgres.stop();
  }
}

/** Restarts at these sizes (the 40k and 1M), replicas at the first; retention at the last. */
const SIZES = [40_000, 1_000_000];
const QUICK_SIZES = [10_000, 100_000];
/** The retention row keeps this share of the largest history; so does the long history's row. */
const KEEP_SHARE = 0.1;
/** Bounded: the long history's fill peak RSS within this of the shorter one's with the same retention. */
const BOUNDED_PEAK_RATIO = 1.1;
/** The target: a restart answers its first dashboard query within this long. */
const RESTART_TARGET_MS = 2000;

/** The `durable` row set of `npm run bench`: measured, then shown in the summary and RESULTS.md. */
export class DurableRows {
  readonly restarts: RestartRow[] = [];
  replicas?: ReplicasRow;

  /**
   * Measures every row, calling `progress` after each (so a long run keeps what it measured); with `longHistory`,
   * also a history of that many events under the retention row's setting.
   */
  async measure(quick: boolean, progress: () => void, longHistory?: number): Promise<void> {
    const sizes = quick ? QUICK_SIZES : SIZES;
    for (const events of sizes) {
      log(`durable: filling a ${events}-event file store, then restarting on it`);
      this.restarts.push(await measureRestart(events));
      progress();
    }
    const events = sizes[sizes.length - 1];
    const keep = events * KEEP_SHARE;
    log(`durable: the same with a retention of ${keep} events, ${events} events`);
    this.restarts.push(await measureRestart(events, keep));
    progress();
    if (longHistory !== undefined) {
      log(`durable: a ${longHistory}-event history with the same retention of ${keep} events`);
      this.restarts.push(await measureRestart(longHistory, keep));
      progress();
    }
    log(`durable: three replicas on one Postgres against one process, ${sizes[0]} events`);
    this.replicas = await measureReplicas(sizes[0]);
    progress();
  }

  /** The RESULTS.md section (empty when the row set did not run). */
  markdown(): string[] {
    if (this.restarts.length === 0 && !this.replicas) {
      return [];
    }
    return [
      '## Persisted index (restart, replicas)',
      '',
      'bench/durable.ts, through the built executable on a synthetic node (100 logs a block, 100-block chunks): **fill** = a',
      'fresh backend indexes the history into a file store; it is killed (kill -9) and a new process starts on the same',
      'directory. **restart → answer** = from spawning it to the answer of its first query (a metrics window over the whole',
      "history), of which **replay** is reading and replaying the store (the backend's own measure); **eth_getLogs** of the",
      'restart (0: every indexed block came from the store); **peak RSS** of the filling and of the restarted process;',
      '**kept**: the retention (events) and the events the restart loaded.',
      '',
      this.table(),
      '',
      ...this.targets(),
      '',
    ];
  }

  /** Table and targets for the printed summary. */
  summary(): string {
    if (this.restarts.length === 0 && !this.replicas) {
      return '';
    }
    return [this.table(), '', ...this.targets(), ''].join('\n');
  }

  /** For a retention row after a shorter one with the same retention: whether the fill's peak RSS stayed put. */
  private bounded(row: RestartRow): string {
    const shorter = this.restarts.find((r) => r.keep === row.keep && r.events < row.events);
    if (!shorter) {
      return '';
    }
    const ratio = row.fillPeakRssMb / shorter.fillPeakRssMb;
    return `; fill peak RSS ${row.fillPeakRssMb.toFixed(0)} MB vs ${shorter.fillPeakRssMb.toFixed(0)} MB at ${shorter.events} events, bounded within ${BOUNDED_PEAK_RATIO}× (${ratio <= BOUNDED_PEAK_RATIO ? 'met' : 'MISSED'})`;
  }

  private table(): string {
    const rows = this.restarts.map((r) => [
      String(r.events),
      r.keep === undefined ? `all (${r.loaded})` : `${r.keep} (${r.loaded})`,
      `${r.fillSeconds.toFixed(1)} s, ${r.fillGetLogs} eth_getLogs, ${r.fillPeakRssMb.toFixed(0)} MB`,
      r.storeMb.toFixed(1),
      r.restartToAnswerMs.toFixed(0),
      String(r.replayMs),
      String(r.restartGetLogs),
      r.restartPeakRssMb.toFixed(0),
      r.exact ? 'yes' : 'NO',
    ]);
    const header = [
      'events',
      'kept',
      'fill (peak RSS)',
      'store MB',
      'restart → answer ms',
      'replay ms',
      'eth_getLogs',
      'peak RSS MB',
      'exact',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const render = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    const lines = [render(header), render(widths.map((w) => '-'.repeat(w))), ...rows.map(render)];
    if (this.replicas) {
      const r = this.replicas;
      lines.push(
        '',
        `Replicas, ${r.events} events: one process alone ${r.oneGetLogs} eth_getLogs; three processes on one Postgres ${r.threeGetLogs} in all; answers exact: ${r.exact ? 'yes' : 'NO'}.`
      );
    }
    return lines.join('\n');
  }

  private targets(): string[] {
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const lines = this.restarts.map((r) =>
      r.keep !== undefined
        ? `- ${r.events} events with a retention of ${r.keep}: the restart loads ${r.loaded} events (${verdict(r.exact)})${this.bounded(r)}`
        : `- ${r.events} events, restart answers within ${RESTART_TARGET_MS / 1000} s with 0 eth_getLogs for indexed blocks: ${r.restartToAnswerMs.toFixed(0)} ms, ${r.restartGetLogs} eth_getLogs (${verdict(r.restartToAnswerMs <= RESTART_TARGET_MS && r.restartGetLogs === 0 && r.exact)})`
    );
    if (this.replicas) {
      const r = this.replicas;
      lines.push(
        `- three replicas on one Postgres ask eth_getLogs as often as one process: ${r.threeGetLogs} vs ${r.oneGetLogs} (${verdict(r.threeGetLogs <= r.oneGetLogs && r.exact)})`
      );
    }
    return lines;
  }
}

if (require.main === module) {
  void (async () => {
    const sizes = process.argv.slice(2).map(Number);
    for (const events of sizes.length > 0 ? sizes : [40_000, 1_000_000]) {
      console.log(JSON.stringify(await measureRestart(events)));
    }
    console.log(JSON.stringify(await measureReplicas(40_000)));
    process.exit(0);
  })().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

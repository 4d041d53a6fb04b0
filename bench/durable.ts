/**
 * Benchmark rows of the persisted index (issue #16), through the built executable on a synthetic node:
 * - restart: fill an index of N events in a file store, kill -9, start again on the same directory, and time
 *   the first dashboard answer; count its eth_getLogs (0 expected: every block is indexed) and peak RSS;
 * - replicas: three processes on one Postgres against one process alone, total eth_getLogs.
 * `npx tsx bench/durable.ts [events…]` prints them; bench/run.ts may call measureRestart / measureReplicas.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

export async function measureRestart(events: number): Promise<RestartRow> {
  const blocks = Math.max(100, Math.ceil(events / 100));
  const startTime = Math.floor(Date.now() / 1000) - blocks * 12 - 60;
  const chain = await startSyntheticChain({ chainId: 4242, contract: CONTRACT, logs: events, blocks, startTime });
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-durable-'));
  const settings = settingsFor('bench-durable', chain.url, { directory: dir });
  try {
    const first = await PluginHost.start();
    let started = performance.now();
    // A long backfill outlasts one call's deadline; the backend goes on, and the next call joins it.
    let filled = NaN;
    for (let attempt = 0; Number.isNaN(filled); attempt++) {
      filled = await buffered(first, settings, startTime).catch((error: Error) => {
        if (attempt >= 5 || !/DEADLINE_EXCEEDED/.test(error.message)) {
          throw error;
        }
        return NaN;
      });
    }
    const fillSeconds = (performance.now() - started) / 1000;
    const fillGetLogs = chain.getLogsCalls();
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
      fillSeconds,
      fillGetLogs,
      storeMb,
      restartToAnswerMs: done - started,
      firstAnswerMs: done - answerStarted,
      replayMs: Number(loaded.ms),
      restartGetLogs: chain.getLogsCalls() - fillGetLogs,
      restartPeakRssMb: peakRssMb(second.pid),
      exact: filled === events / 2 && again === filled,
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

/**
 * Retention through the built executable: with `retention: { events: N }` the index keeps about N events per
 * deployment (in memory and in its file), the Prometheus totals still count every confirmed event on chain
 * and never go down across a restart, answers over the kept range match the chain before and after the
 * restart, and a range that starts before the retention edge carries a notice saying what is not kept.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PluginHost, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { chainCounts, monitorSettings, newestLogTime, valueFor } from '../../harness/monitor';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../../harness/postgres';
import { INDEX_STORE_POSTGRES_URL_KEY } from '../../src/query';
import { parseExposition } from '../support/prometheus';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';

const KEEP = 60;
let sim: SimulatedDevnet;
let dir: string;
let postgres: TestPostgres;
const hosts: PluginHost[] = [];

beforeAll(async () => {
  sim = await startSimulatedDevnet({ events: 600, days: 0.5, seed: 61 });
  dir = mkdtempSync(path.join(tmpdir(), 'index-retention-test-'));
  postgres = await startPostgres();
}, 170_000);

afterAll(async () => {
  await Promise.all(hosts.map((host) => host.kill()));
  await sim?.devnet.stop();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** optimism with small getLogs spans (many stored entries), in `store` with `retention`. */
function settingsWith(store: Record<string, unknown>, retention?: unknown): SettingsInput {
  const optimism = sim.devnet.deployments.find((d) => d.name === 'optimism')!;
  const settings = monitorSettings(`retention-${store.kind ?? 'file'}`, [
    { deployment: optimism, urls: [optimism.rpcUrl], overrides: { maxBlockRange: 25 } },
  ]);
  return {
    ...settings,
    jsonData: { ...(settings.jsonData as object), indexStore: { ...store, retention } },
    secureJsonData: { ...settings.secureJsonData, [INDEX_STORE_POSTGRES_URL_KEY]: postgres.url },
  };
}

/** Bytes the store holds for the data source. */
async function storedBytes(kind: string): Promise<number> {
  if (kind === 'file') {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.idx'))
      .reduce((size, name) => size + statSync(path.join(dir, name)).size, 0);
  }
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      'SELECT coalesce(sum(octet_length(payload)), 0) AS bytes FROM tesseract_index_entries'
    );
    return Number(rows[0].bytes);
  } finally {
    await client.end();
  }
}

async function windowCounts(host: PluginHost, settings: SettingsInput, fromMs: number) {
  await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-sync interval
  const answers: number[] = [];
  let notices: string[] = [];
  for (const metric of ['buffered', 'ready', 'failed']) {
    const result: QueryResult = (
      await host.queryData({
        settings,
        queries: [
          {
            refId: 'A',
            timeRange: { fromMs, toMs: Date.now() + 86400_000 },
            json: { queryType: 'metrics', metrics: [metric], mode: 'window' },
          },
        ],
      })
    ).A;
    expect(result.error).toBe('');
    answers.push(valueFor(result, 'optimism') as number);
    notices = result.frames.flatMap((frame) => frame.meta?.notices ?? []).map((notice) => notice.text);
  }
  return { answers, notices };
}

async function totals(host: PluginHost): Promise<number[]> {
  const families = parseExposition(await host.collectMetrics());
  return ['buffered', 'ready', 'failed'].map(
    (kind) =>
      families.get(`tesseract_transactions_${kind}_total`)?.samples.find((s) => s.labels.chain === 'optimism')
        ?.value as number
  );
}

const NOTICE = /^optimism: data before (\S+) is not kept \(index store retention\)$/;

/**
 * A fresh process's answers over the whole history in `settings`: one notice naming the kept edge, about
 * `expected` events kept (drops come in batches: at most a quarter more), and those are the chain from the
 * edge on.
 */
async function keptFromStart(settings: SettingsInput, expected: number) {
  const optimism = sim.devnet.deployments.find((d) => d.name === 'optimism')!;
  const host = await PluginHost.start();
  hosts.push(host);
  const answered = await windowCounts(host, settings, 0);
  expect(answered.notices).toEqual([expect.stringMatching(NOTICE)]);
  const edgeMs = Date.parse(NOTICE.exec(answered.notices[0])![1]);
  const kept = answered.answers.reduce((a, b) => a + b, 0);
  expect(kept).toBeGreaterThanOrEqual(expected);
  expect(kept).toBeLessThanOrEqual(expected * 1.25 + 5);
  const keptTruth = await chainCounts(optimism, edgeMs / 1000);
  expect(answered.answers).toEqual([keptTruth.buffered, keptTruth.ready, keptTruth.failed]);
  return { host, ...answered, edgeMs, kept };
}

/** A restarted process loads only the kept events and answers as before. */
async function restarted(settings: SettingsInput, before: { answers: number[]; notices: string[]; kept: number }) {
  const host = await PluginHost.start();
  hosts.push(host);
  const after = await windowCounts(host, settings, 0);
  const loaded = await host.waitForLog((line) => line['@message'] === 'Log index loaded from the index store');
  expect(loaded.records).toBe(before.kept);
  expect(after).toEqual({ answers: before.answers, notices: before.notices });
  return host;
}

describe('index store retention', () => {
  it.each(['file', 'postgres'])(
    'in %s: keeps about N events, counts every confirmed event in the totals, and says where the kept data starts',
    async (kind) => {
      const optimism = sim.devnet.deployments.find((d) => d.name === 'optimism')!;
      const truth = await chainCounts(optimism);
      const all = truth.buffered + truth.ready + truth.failed;
      expect(all).toBeGreaterThan(2 * KEEP);
      const settings = settingsWith(kind === 'file' ? { directory: dir } : { kind }, { events: KEEP });

      const { host: first, edgeMs, ...before } = await keptFromStart(settings, KEEP);
      const totalsBefore = await totals(first);
      // The same totals as an index that keeps everything (events in the last `confirmations` blocks wait).
      const whole = await PluginHost.start();
      hosts.push(whole);
      await windowCounts(whole, settingsWith({ kind: 'memory' }), 0);
      expect(totalsBefore).toEqual(await totals(whole));
      expect(totalsBefore[0]).toBeGreaterThan(truth.buffered - KEEP);
      await whole.kill();
      const fromEdge = await windowCounts(first, settings, edgeMs);
      expect(fromEdge.notices).toEqual([]);
      expect(fromEdge.answers).toEqual(before.answers);
      await first.kill();
      // About 165 B an event: the store holds the kept events (and, in Postgres, one entry's worth more), not
      // the whole history.
      expect(await storedBytes(kind)).toBeLessThan(all * 100);

      const second = await restarted(settings, before);
      expect(await totals(second)).toEqual(totalsBefore);
    }
  );

  it('in days: keeps the events of the last N days before the newest indexed one, and a restart loads only those', async () => {
    const optimism = sim.devnet.deployments.find((d) => d.name === 'optimism')!;
    const days = 0.1; // of a half-day history
    const cutoff = (await newestLogTime(optimism)) - days * 86_400;
    const recent = await chainCounts(optimism, cutoff);
    const inDays = recent.buffered + recent.ready + recent.failed;
    const truth = await chainCounts(optimism);
    expect(truth.buffered + truth.ready + truth.failed).toBeGreaterThan(2 * inDays);
    const daysDir = mkdtempSync(path.join(tmpdir(), 'index-retention-days-'));
    try {
      const settings = settingsWith({ directory: daysDir }, { days });
      const { host: first, ...before } = await keptFromStart(settings, inDays);
      await first.kill();
      await (await restarted(settings, before)).kill();
    } finally {
      rmSync(daysDir, { recursive: true, force: true });
    }
  });
});

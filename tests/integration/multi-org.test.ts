/**
 * Two Grafana organisations each holding a Tesseract data source with the same uid (Grafana keeps uids unique
 * within an org only), on different contracts, through the built executable: each org's queries answer from
 * its own contract, CollectMetrics exports both sets of series apart (`org_id`), replacing one org's instance
 * leaves the other's series, live streams stay per org, and the file and Postgres index stores keep each
 * org's index in its own slot across a restart. Every count is checked against the chain itself.
 */
import { readdirSync } from 'node:fs';
import { runSimulation } from '../../devnet';
import type { Deployment } from '../../devnet/devnet';
import { JsonRpc } from '../../devnet/rpc';
import type { PluginHost, SettingsInput } from '../../harness/plugin-host';
import { chainCounts, monitorSettings, valueFor } from '../../harness/monitor';
import type { RpcProxy } from '../../harness/rpc-proxy';
import { INDEX_STORE_POSTGRES_URL_KEY } from '../../src/query';
import { bufferTx } from '../support/live';
import { parseExposition } from '../support/prometheus';
import { simulatedDevnetSuite, suitePostgres } from './datasource-support';

/** The uid both orgs provisioned, and the deployment id and name both gave their one deployment. */
const UID = 'tesseract';
const NAME = 'rollup';
const ORGS = [1, 2] as const;
type Org = (typeof ORGS)[number];

const suite = simulatedDevnetSuite({ events: 200, days: 0.2, seed: 41 });
const { start } = suite;

/** Org 1 watches optimism's contract, org 2 base's (both the `simple` ABI). */
const chainOf = (org: Org) => (org === 1 ? 'optimism' : 'base');
const deploymentOf = (org: Org): Deployment => suite.sim.devnet.deployments.find((d) => d.name === chainOf(org))!;
const proxyFor = (org: Org) => suite.proxyFor(chainOf(org));

function orgSettings(org: Org, proxy: RpcProxy, indexStore: Record<string, unknown>, extra = {}): SettingsInput {
  const plain = monitorSettings(UID, [
    // Confirmations 0: the exported counters then equal the chain's totals.
    { deployment: deploymentOf(org), urls: [proxy.url], overrides: { id: NAME, name: NAME, confirmations: 0 } },
  ]);
  return {
    ...plain,
    orgId: org,
    jsonData: { ...(plain.jsonData as object), indexStore },
    secureJsonData: { ...plain.secureJsonData, ...extra },
  };
}

const timeRange = () => ({ fromMs: 0, toMs: Date.now() + 86400_000 });

/** buffered, ready and failed of the org's one deployment, as the data source answers them. */
async function counts(host: PluginHost, settings: SettingsInput): Promise<number[]> {
  const result = (
    await host.queryData({
      settings,
      queries: [
        {
          refId: 'A',
          timeRange: timeRange(),
          json: { queryType: 'metrics', metrics: ['buffered', 'ready', 'failed'], mode: 'window' },
        },
      ],
    })
  ).A;
  expect(result.error).toBe('');
  return ['buffered', 'ready', 'failed'].map((metric) => {
    const frames = result.frames.filter((frame) =>
      frame.fields.some((field) => (field as { labels?: Record<string, string> }).labels?.metric === metric)
    );
    return valueFor({ ...result, frames }, NAME) as number;
  });
}

async function truth(org: Org): Promise<number[]> {
  const c = await chainCounts(deploymentOf(org));
  return [c.buffered, c.ready, c.failed];
}

const pastSharedSync = () => new Promise((resolve) => setTimeout(resolve, 1100));

describe('two orgs with the same data source uid, file index store', () => {
  let dir: string;
  let host: PluginHost;
  const settings = {} as Record<Org, SettingsInput>;
  const proxyOf = {} as Record<Org, RpcProxy>;

  beforeAll(async () => {
    dir = suite.tempDir('multi-org-test-');
    for (const org of ORGS) {
      proxyOf[org] = await proxyFor(org);
      // Both in the same directory, as both take the same default one.
      settings[org] = orgSettings(org, proxyOf[org], { directory: dir });
    }
    host = await start();
  });

  it("answers each org's queries from its own contract", async () => {
    const [one, two] = [await truth(1), await truth(2)];
    expect(one).not.toEqual(two); // else answering from the wrong contract would go unseen
    expect(await counts(host, settings[1])).toEqual(one);
    expect(await counts(host, settings[2])).toEqual(two);
    for (const org of ORGS) {
      const table = (
        await host.queryData({
          settings: settings[org],
          queries: [{ refId: 'H', json: { queryType: 'health', format: 'table' }, timeRange: timeRange() }],
        })
      ).H.frames[0];
      expect(table.fields.find((field) => field.name === 'contract')!.values).toEqual([deploymentOf(org).contract]);
    }
  });

  /** The guide's counter samples of this uid, per org, with their labels. */
  async function exported(): Promise<Map<string, { labels: Record<string, string>; value: number }>> {
    const families = parseExposition(await host.collectMetrics());
    const samples = families.get('tesseract_transactions_buffered_total')!.samples;
    const indexed = families.get('tesseract_indexed_events')!.samples;
    const byOrg = new Map<string, { labels: Record<string, string>; value: number }>();
    for (const sample of samples.filter((s) => s.labels.datasource_uid === UID)) {
      expect(byOrg.has(sample.labels.org_id)).toBe(false);
      byOrg.set(sample.labels.org_id, { labels: sample.labels, value: sample.value });
    }
    // The in-memory index gauge is per org too.
    expect(
      indexed
        .filter((s) => s.labels.datasource_uid === UID)
        .map((s) => s.labels.org_id)
        .sort()
    ).toEqual([...byOrg.keys()].sort());
    return byOrg;
  }

  it("exports both orgs' series, apart, each with its own contract's totals", async () => {
    const byOrg = await exported();
    expect([...byOrg.keys()].sort()).toEqual(['1', '2']);
    for (const org of ORGS) {
      const deployment = deploymentOf(org);
      expect(byOrg.get(String(org))).toEqual({
        labels: {
          chain: NAME,
          chain_id: String(deployment.chainId),
          contract: deployment.contract,
          datasource_uid: UID,
          org_id: String(org),
        },
        value: (await truth(org))[0],
      });
    }
  });

  it("keeps the other org's series when one org's instance is replaced", async () => {
    settings[2] = { ...settings[2], lastUpdatedMS: (settings[2].lastUpdatedMS ?? 0) + 1 };
    expect(await counts(host, settings[2])).toEqual(await truth(2));
    await host.waitForLog((line) => line['@message'] === 'Data source settings changed, replacing instance');
    const byOrg = await exported();
    expect([...byOrg.keys()].sort()).toEqual(['1', '2']);
    expect(byOrg.get('1')!.value).toBe((await truth(1))[0]);
    expect(byOrg.get('2')!.value).toBe((await truth(2))[0]);
  });

  it("streams each org's channel from its own contract", async () => {
    const live = async (org: Org) => {
      const result = (
        await host.queryData({
          settings: settings[org],
          queries: [{ refId: 'L', timeRange: timeRange(), json: { queryType: 'events', live: true, limit: 1 } }],
        })
      ).L;
      expect(result.error).toBe('');
      const frame = result.frames[0];
      const channel = String(frame.meta?.channel);
      // The same channel in both orgs: Grafana Live keeps channels per org (`<orgId>/ds/<uid>/<path>`).
      expect(channel).toBe(`ds/${UID}/v1/events`);
      const contract = frame.fields.findIndex((field) => field.name === 'contract');
      return { stream: host.runStream(settings[org], channel.slice(`ds/${UID}/`.length)), contract };
    };
    const [one, two] = [await live(1), await live(2)];
    await new Promise((resolve) => setTimeout(resolve, 1500)); // each poller takes its start point
    const optimism = deploymentOf(1);
    const { txId } = await bufferTx(new JsonRpc(optimism.rpcUrl), optimism);
    const seen = await one.stream.waitFor((packet) => JSON.stringify(packet.json.data).includes(txId));
    expect(seen.json.data!.values[one.contract]).toEqual([optimism.contract]);
    await runSimulation({ deployments: [deploymentOf(2)], seed: 42, fast: { days: 0.01, events: 4 } });
    const base = await two.stream.waitFor((packet) => (packet.json.data?.values[two.contract]?.length ?? 0) > 0);
    expect(new Set(base.json.data!.values[two.contract])).toEqual(new Set([deploymentOf(2).contract]));
    await pastSharedSync();
    const contractsOf = (stream: typeof one.stream, at: number) =>
      new Set(stream.packets.flatMap((packet) => packet.json.data?.values[at] ?? []));
    expect(contractsOf(one.stream, one.contract)).toEqual(new Set([optimism.contract]));
    expect(contractsOf(two.stream, two.contract)).toEqual(new Set([deploymentOf(2).contract]));
    one.stream.cancel();
    two.stream.cancel();
  });

  it("keeps each org's index in its own file across a restart", async () => {
    await pastSharedSync();
    for (const org of ORGS) {
      expect(await counts(host, settings[org])).toEqual(await truth(org));
    }
    await host.kill();
    // Org 1 keeps the slot name of single-org installs; org 2's names its org.
    expect(
      readdirSync(dir)
        .filter((name) => name.endsWith('.idx'))
        .sort()
    ).toEqual([`2%2f${UID}.${NAME}.idx`, `${UID}.${NAME}.idx`]);

    ORGS.forEach((org) => proxyOf[org].resetCounts());
    host = await start();
    for (const org of ORGS) {
      expect(await counts(host, settings[org])).toEqual(await truth(org));
      expect(proxyOf[org].count('eth_getLogs')).toBe(0);
    }
    const loaded = host.logs.filter((line) => line['@message'] === 'Log index loaded from the index store');
    expect(loaded.map((line) => [line.org_id, (line.records as number) > 0]).sort()).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(host.logs.filter((line) => line['@message'].startsWith('Stored log index discarded'))).toEqual([]);
    await host.kill();
  });
});

describe('two orgs with the same data source uid, one Postgres index store', () => {
  const postgres = suitePostgres();

  it("writes each org's index to its own slot and reads it back after a restart", async () => {
    const proxyOf = { 1: await proxyFor(1), 2: await proxyFor(2) } as Record<Org, RpcProxy>;
    const settings = (org: Org) =>
      orgSettings(org, proxyOf[org], { kind: 'postgres' }, { [INDEX_STORE_POSTGRES_URL_KEY]: postgres.url });
    const first = await start();
    for (const org of ORGS) {
      expect(await counts(first, settings(org))).toEqual(await truth(org));
    }
    // Each org's deployment is written by this process: neither waits on the other's slot as its reader.
    const roles = first.logs
      .filter((line) => line['@message'] === 'Index store role')
      .map((line) => [line.org_id, line.role, line.store]);
    expect(roles.sort()).toEqual([
      [1, 'writer', `postgres (slot ${UID}.${NAME})`],
      [2, 'writer', `postgres (slot 2/${UID}.${NAME})`],
    ]);
    await first.kill();

    ORGS.forEach((org) => proxyOf[org].resetCounts());
    const second = await start();
    for (const org of ORGS) {
      expect(await counts(second, settings(org))).toEqual(await truth(org));
      expect(proxyOf[org].count('eth_getLogs')).toBe(0);
    }
    await second.kill();
  });
});

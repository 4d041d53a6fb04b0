/**
 * Block-pinned reads through the built backend on the devnet's three deployments: a refresh of the whole
 * provisioned dashboard with no new block costs one JSON-RPC request per deployment (the head), a state
 * change in new blocks shows on the next refresh (nothing stale is served), and a stalled chain still shows
 * its head getting older. Every request is counted by the recording proxy in front of each chain.
 */
import { Interface } from 'ethers';
import { JsonRpc, runSimulation, startDevnet, type Devnet, type LedgerEntry } from '../../devnet';
import { sendAndWait } from '../../devnet/chain';
import { PluginHost, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { monitorSettings, valueFor } from '../../harness/monitor';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';
import { dashboardRequests, panelQueries, type PanelRequest } from '../../harness/workload';

const DAY_MS = 86_400_000;
/** The history ends about two days ago, so that every head is stale, and ages as the wall clock runs. */
const HISTORY_DAYS = 1;
const BACKDATE_DAYS = 3;
/** Past the backend's head reuse (1 s): the next refresh asks for the head again. */
const PAST_HEAD_REUSE_MS = 1100;
/** What a refresh after new blocks may cost per deployment, in HTTP requests (see the test). */
const NEW_BLOCKS_HTTP_BOUND = 6;

let devnet: Devnet;
let host: PluginHost;
let settings: SettingsInput;
let panels: PanelRequest[];
const proxies = new Map<string, RpcProxy>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = () => devnet.deployments.map((d) => d.name);

beforeAll(async () => {
  devnet = await startDevnet({ genesisTimestamp: Math.floor(Date.now() / 1000) - BACKDATE_DAYS * 86_400 });
  let entries: LedgerEntry[];
  try {
    ({ entries } = await runSimulation({
      deployments: devnet.deployments,
      seed: 11,
      fast: { days: HISTORY_DAYS, events: 400 },
    }));
  } catch (error) {
    await devnet.stop();
    throw error;
  }
  for (const deployment of devnet.deployments) {
    proxies.set(deployment.name, await startRpcProxy(deployment.rpcUrl));
  }
  settings = monitorSettings(
    'tesseract-pinned',
    devnet.deployments.map((deployment) => ({ deployment, urls: [proxies.get(deployment.name)!.url] }))
  );
  const txId = entries.find((e) => e.crossRollup && e.txId)?.txId ?? entries.find((e) => e.txId)!.txId!;
  panels = dashboardRequests({ deployments: names(), txId });
  host = await PluginHost.start();
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  await devnet?.stop();
});

/** One refresh of the dashboard over the chains' life: every panel at once, as the browser sends them. */
async function refresh(): Promise<Map<string, QueryResult>> {
  const toMs = Date.now();
  const fromMs = toMs - (BACKDATE_DAYS + 1) * DAY_MS;
  const answers = await Promise.all(
    panels.map(async (panel) => {
      const results = await host.queryData({ settings, queries: panelQueries(panel, fromMs, toMs) });
      return Object.entries(results).map(([refId, result]): [string, QueryResult] => [
        `${panel.title}/${refId}`,
        result,
      ]);
    })
  );
  const results = new Map(answers.flat());
  for (const [where, result] of results) {
    expect({ where, status: result.status, error: result.error }).toEqual({ where, status: 200, error: '' });
  }
  return results;
}

/** Requests each deployment's proxy saw since the last reset: JSON-RPC by method, and HTTP. */
function costs(): Record<string, { byMethod: Record<string, number>; jsonRpc: number; http: number }> {
  return Object.fromEntries(
    [...proxies].map(([name, proxy]) => [
      name,
      { byMethod: proxy.counts().byMethod, jsonRpc: proxy.total(), http: proxy.counts().httpRequests },
    ])
  );
}

async function warmRefresh(): Promise<Map<string, QueryResult>> {
  await sleep(PAST_HEAD_REUSE_MS);
  proxies.forEach((proxy) => proxy.resetCounts());
  return refresh();
}

/** A column of `chain`'s Health panel (it repeats per deployment; its one query answers one table row). */
function healthValue(results: Map<string, QueryResult>, column: string, chain: string): number | null {
  const frames = results.get(`Health [${chain}]/A`)!.frames;
  const field = frames[0]?.fields.find((f) => f.name === column);
  if (frames.length !== 1 || field?.values.length !== 1) {
    throw new Error(`expected one Health row for ${chain} with a ${column} column: ${JSON.stringify(frames)}`);
  }
  return field.values[0] as number | null;
}

async function mine(blocks: number): Promise<void> {
  await Promise.all(
    devnet.deployments.map(async (deployment) => {
      const rpc = new JsonRpc(deployment.rpcUrl);
      for (let i = 0; i < blocks; i++) {
        await rpc.call('evm_mine');
      }
    })
  );
}

describe('block-pinned reads', () => {
  let lastWarm: Map<string, QueryResult>;

  it('a warm refresh of the whole dashboard with no new block costs one request per deployment: the head', async () => {
    await refresh(); // cold: backfill and first reads
    lastWarm = await warmRefresh();
    const warm = costs();
    process.stderr.write(`warm dashboard refresh, no new block, per deployment: ${JSON.stringify(warm)}\n`);
    for (const name of names()) {
      expect([name, warm[name]]).toEqual([name, { byMethod: { eth_getBlockByNumber: 1 }, jsonRpc: 1, http: 1 }]);
    }
  }, 60_000);

  it('after new blocks with a state change the next refresh shows the new state, at a bounded cost', async () => {
    const arbitrum = devnet.deployments.find((d) => d.abi === 'buffer')!;
    const wasPaused = healthValue(lastWarm, 'paused', arbitrum.name);
    expect(wasPaused === 0 || wasPaused === 1).toBe(true);
    const iface = new Interface(['function emergency_pause()', 'function emergency_unpause()']);
    await sendAndWait(new JsonRpc(arbitrum.rpcUrl), {
      from: arbitrum.owner,
      to: arbitrum.contract,
      data: iface.encodeFunctionData(wasPaused ? 'emergency_unpause' : 'emergency_pause'),
      gas: 100_000,
    });
    await mine(3);

    const fresh = await warmRefresh();
    const afterBlocks = costs();
    process.stderr.write(`dashboard refresh after new blocks, per deployment: ${JSON.stringify(afterBlocks)}\n`);
    expect(healthValue(fresh, 'paused', arbitrum.name)).toBe(wasPaused ? 0 : 1);
    expect(healthValue(fresh, 'accepting', arbitrum.name)).toBe(wasPaused ? 1 : 0);
    const pauseEvents = fresh.get('annotation Pauses/Anno')!.frames[0].fields.find((f) => f.name === 'event')!;
    expect(pauseEvents.values[0]).toBe(wasPaused ? 'EmergencyUnpause' : 'EmergencyPause');
    for (const name of names()) {
      expect(healthValue(fresh, 'head_block', name)).toBe(
        healthValue(lastWarm, 'head_block', name)! + (name === arbitrum.name ? 4 : 3)
      );
      // head; the index's head + tail check; the new blocks' logs; the reads at the new head (health's one
      // batch, the looked-up tx's state, coordination_window when a metrics panel asks before health did)
      expect([name, afterBlocks[name].http <= NEW_BLOCKS_HTTP_BOUND]).toEqual([name, true]);
    }

    await warmRefresh(); // the new head's answers are kept: back to the head alone
    for (const name of names()) {
      expect([name, costs()[name].jsonRpc]).toEqual([name, 1]);
    }
  }, 60_000);

  it('a stalled chain (same head, the clock moves on) shows a growing head age at one request per probe', async () => {
    const headAge = async () => {
      const results = await host.queryData({
        settings,
        queries: [{ refId: 'A', json: { queryType: 'health', format: 'value', field: 'head_age_seconds' } }],
      });
      return Object.fromEntries(names().map((name) => [name, valueFor(results.A, name)!]));
    };
    const before = await headAge();
    await sleep(2100);
    proxies.forEach((proxy) => proxy.resetCounts());
    const after = await headAge();
    for (const name of names()) {
      expect([name, before[name] > 300]).toEqual([name, true]); // what the stale-head alert rule fires on
      expect([name, after[name] - before[name] >= 2]).toEqual([name, true]);
      expect([name, costs()[name].byMethod]).toEqual([name, { eth_getBlockByNumber: 1 }]);
    }
  }, 30_000);
});

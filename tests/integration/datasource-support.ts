// Shared set-up of the data source integration tests: the team's devnet (three anvil chains: Simple,
// Buffer and the published Vyper build) with fast simulated history and its ground-truth ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDevnet, runSimulation, type Devnet, type LedgerEntry } from '../../devnet';
import { PluginHost } from '../../harness/plugin-host';
import { startPostgres, type TestPostgres } from '../../harness/postgres';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';
import type { DataQuery } from '../../src/backend/grafana';

export interface SimulatedDevnet {
  devnet: Devnet;
  entries: LedgerEntry[];
  /** Block-time span of the whole ledger, as a query range (ms, inclusive). */
  range: DataQuery['timeRange'];
}

export async function startSimulatedDevnet(options: {
  events: number;
  days: number;
  seed: number;
}): Promise<SimulatedDevnet> {
  // Backdate the chains so that the written history ends about now.
  const genesisTimestamp = Math.floor(Date.now() / 1000) - Math.ceil(options.days * 86400) - 600;
  const devnet = await startDevnet({ genesisTimestamp });
  try {
    const { entries } = await runSimulation({
      deployments: devnet.deployments,
      seed: options.seed,
      fast: { days: options.days, events: options.events },
    });
    const times = entries.map((entry) => entry.blockTime);
    return { devnet, entries, range: { fromMs: Math.min(...times) * 1000, toMs: Math.max(...times) * 1000 } };
  } catch (error) {
    await devnet.stop();
    throw error;
  }
}

/**
 * A test file's simulated devnet and what its tests start on it (plugin processes, RPC proxies to its
 * deployments, temporary directories): the devnet starts in beforeAll, and afterAll ends or removes them all.
 * Call it at the file's top level.
 */
export function simulatedDevnetSuite(options: Parameters<typeof startSimulatedDevnet>[0]) {
  let sim: SimulatedDevnet | undefined;
  const hosts: PluginHost[] = [];
  const proxies: RpcProxy[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    sim = await startSimulatedDevnet(options);
  }, 170_000);
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.kill()));
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await sim?.devnet.stop();
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const started = (): SimulatedDevnet => {
    if (!sim) {
      throw new Error('the devnet is started in beforeAll');
    }
    return sim;
  };
  return {
    get sim(): SimulatedDevnet {
      return started();
    },
    async start(): Promise<PluginHost> {
      const host = await PluginHost.start();
      hosts.push(host);
      return host;
    },
    /** A recording proxy in front of the deployment `name`. */
    async proxyFor(name: string): Promise<RpcProxy> {
      const proxy = await startRpcProxy(started().devnet.deployments.find((d) => d.name === name)!.rpcUrl);
      proxies.push(proxy);
      return proxy;
    },
    tempDir(prefix: string): string {
      const dir = mkdtempSync(path.join(tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}

/** A Postgres for the enclosing describe block: started in its beforeAll, stopped in its afterAll. */
export function suitePostgres(): { readonly url: string } {
  let postgres: TestPostgres | undefined;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await postgres?.stop();
  });
  return {
    get url(): string {
      if (!postgres) {
        throw new Error('Postgres is started in beforeAll');
      }
      return postgres.url;
    },
  };
}

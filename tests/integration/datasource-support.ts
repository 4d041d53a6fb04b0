// Shared set-up of the data source integration tests: the team's devnet (three anvil chains: Simple,
// Buffer and the published Vyper build) with fast simulated history and its ground-truth ledger.
import { startDevnet, runSimulation, type Devnet, type LedgerEntry } from '../../devnet';
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

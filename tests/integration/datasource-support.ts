// Shared set-up of the data source integration tests: the team's devnet (three anvil chains: Simple,
// Buffer and the published Vyper build), fast simulated history with its ground-truth ledger, and the
// data source settings Grafana would send for those deployments.
import { startDevnet, runSimulation, type Devnet, type Deployment, type LedgerEntry } from '../../devnet';
import type { DataQuery } from '../../src/backend/grafana';
import type { SettingsInput } from '../support/harness';
import type { DeploymentSettings } from '../../src/query';

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

export function deploymentSettings(
  deployment: Deployment,
  overrides: Partial<DeploymentSettings> = {}
): DeploymentSettings {
  return {
    id: `id-${deployment.name}`,
    name: deployment.name,
    chainId: deployment.chainId,
    contract: deployment.contract,
    abi: deployment.abi,
    startBlock: deployment.deployBlock,
    confirmations: 2,
    maxBlockRange: 2000,
    operator: deployment.operator,
    ...overrides,
  };
}

/** Data source settings for these deployments; `rpcUrls` overrides a deployment's URL list by name. */
export function dataSourceSettings(
  uid: string,
  deployments: ReadonlyArray<{ settings: DeploymentSettings; rpcUrls: string[] }>
): SettingsInput {
  return {
    uid,
    jsonData: { deployments: deployments.map((d) => d.settings) },
    secureJsonData: Object.fromEntries(deployments.map((d) => [`rpcUrls.${d.settings.id}`, d.rpcUrls.join('\n')])),
  };
}

export function settingsForDevnet(uid: string, devnet: Devnet): SettingsInput {
  return dataSourceSettings(
    uid,
    devnet.deployments.map((deployment) => ({ settings: deploymentSettings(deployment), rpcUrls: [deployment.rpcUrl] }))
  );
}

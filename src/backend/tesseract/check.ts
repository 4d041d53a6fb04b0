import { redactUrls, toQuantity } from '../chain';
import type { Deployment } from './deployment';
import { indexStoreWarning, probeHealth } from './health';

export interface DeploymentCheck {
  chain: string;
  ok: boolean;
  /** One line naming the deployment and what passed or failed (never a URL). */
  message: string;
}

/** Blocks searched for the ABI's events ("Save & test" must stay quick). */
const RECENT_BLOCKS = 1000;

async function recentEventCount(deployment: Deployment, head: number): Promise<number | null> {
  const span = Math.min(RECENT_BLOCKS, deployment.settings.maxBlockRange);
  const fromBlock = Math.max(deployment.settings.startBlock, head - span + 1);
  try {
    const logs = await deployment.pool.call<unknown[]>('eth_getLogs', [
      {
        address: deployment.settings.contract,
        topics: [deployment.contract.events.topic0s],
        fromBlock: toQuantity(fromBlock),
        toBlock: toQuantity(head),
      },
    ]);
    return Array.isArray(logs) ? logs.length : null;
  } catch {
    return null; // a provider limit here says nothing about the deployment: the views decide
  }
}

/**
 * "Save & test" for one deployment: RPC reachable on the configured chain, code at the address, and the
 * ABI fits the contract (its views answer, or its events show up in recent logs).
 */
export async function checkDeployment(deployment: Deployment): Promise<DeploymentCheck> {
  const { name, chainId, contract } = deployment.settings;
  const fail = (why: string): DeploymentCheck => ({ chain: name, ok: false, message: `${name}: ${why}` });
  const report = await probeHealth(deployment);
  const values = report.values;
  if (values.up !== 1 || values.head_block === null) {
    return fail(`RPC not usable for chain ${chainId}: ${report.lastError ?? 'no answer'}`);
  }
  if (values.code_present === null) {
    return fail(`could not read the code at ${contract}: ${report.lastError ?? 'no answer'}`);
  }
  if (values.code_present !== 1) {
    return fail(`no contract code at ${contract} on chain ${chainId} (wrong address, chain or start block?)`);
  }
  const viewsAnswered =
    report.owner !== null || values.transaction_count !== null || values.coordination_window_seconds !== null;
  const recent = await recentEventCount(deployment, values.head_block);
  if (!viewsAnswered && !recent) {
    return fail(
      `the contract at ${contract} neither answers the ABI's views nor emitted its events recently` +
        ` (${redactUrls(report.lastError ?? 'no views in the ABI')}): wrong ABI variant?`
    );
  }
  const parts = [
    `chain ${chainId}, head ${values.head_block}`,
    'code present',
    values.transaction_count !== null ? `transaction_count ${values.transaction_count}` : 'views answer',
    recent === null ? 'recent events unknown' : `${recent} events in the last ${RECENT_BLOCKS} blocks`,
    `accepting: ${values.accepting === null ? 'n/a' : values.accepting === 1 ? 'yes' : 'no'} (${report.acceptingReason ?? ''})`,
  ];
  const store = await indexStoreWarning(deployment);
  if (store) {
    parts.push(store);
  }
  return { chain: name, ok: true, message: `${name}: ${parts.join(', ')}` };
}

// Helpers shared by the fault suite and the benchmark: data source settings for devnet deployments
// reached through proxies, chain truth read straight from anvil, and numbers read out of frames.
import { hexlify, Interface, randomBytes } from 'ethers';
import type { Deployment } from '../devnet/devnet';
import { JsonRpc } from '../devnet/rpc';
import { rpcUrlsKey, TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI, type DeploymentSettings } from '../src/query';
import type { QueryResult, SettingsInput } from './plugin-host';
import type { RpcProxy } from './rpc-proxy';

/** An RPC URL through `proxy` that carries `secret` the way provider keys are carried: path and query. */
export function secretUrl(proxy: RpcProxy, secret: string): string {
  return `${proxy.url}/v3/${secret}?apikey=${secret}`;
}

export interface MonitoredDeployment {
  deployment: Deployment;
  /** RPC URLs, primary first. */
  urls: string[];
  overrides?: Partial<DeploymentSettings>;
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
    confirmations: 5,
    maxBlockRange: 10_000,
    operator: deployment.operator,
    ...overrides,
  };
}

/** Settings of one data source instance; a new uid (or lastUpdatedMS) means a fresh backend instance. */
export function monitorSettings(
  uid: string,
  monitored: readonly MonitoredDeployment[],
  lastUpdatedMS = 1_700_000_000_000
): SettingsInput {
  const deployments = monitored.map((m) => deploymentSettings(m.deployment, m.overrides));
  const secureJsonData: Record<string, string> = {};
  deployments.forEach((d, i) => {
    secureJsonData[rpcUrlsKey(d.id)] = monitored[i].urls.join('\n');
  });
  return { uid, jsonData: { deployments }, secureJsonData, lastUpdatedMS };
}

export type LifecycleCounts = { buffered: number; ready: number; failed: number };

const EVENT_OF_COUNT: Record<keyof LifecycleCounts, string> = {
  buffered: 'TransactionBuffered',
  ready: 'TransactionReady',
  failed: 'TransactionFailed',
};

/** Every log of the deployment's contract, straight from anvil (no limits). */
function contractLogs(deployment: Deployment) {
  return new JsonRpc(deployment.rpcUrl).call<Array<{ topics: string[]; blockNumber: string; blockTimestamp?: string }>>(
    'eth_getLogs',
    [{ address: deployment.contract, fromBlock: '0x0', toBlock: 'latest' }]
  );
}

/** The block time (seconds) of the contract's newest log. */
export async function newestLogTime(deployment: Deployment): Promise<number> {
  const logs = await contractLogs(deployment);
  return Math.max(...logs.map((log) => Number(log.blockTimestamp)));
}

/** Lifecycle event counts as the chain holds them now (eth_getLogs straight to anvil, no limits). */
export async function chainCounts(
  deployment: Deployment,
  fromTime = 0,
  toTime = Number.MAX_SAFE_INTEGER
): Promise<LifecycleCounts> {
  const iface = new Interface((deployment.abi === 'simple' ? TESSERACT_SIMPLE_ABI : TESSERACT_BUFFER_ABI) as never);
  const logs = await contractLogs(deployment);
  const counts: LifecycleCounts = { buffered: 0, ready: 0, failed: 0 };
  for (const [key, name] of Object.entries(EVENT_OF_COUNT) as Array<[keyof LifecycleCounts, string]>) {
    const topic0 = iface.getEvent(name)!.topicHash;
    counts[key] = logs.filter((log) => {
      const time = Number(log.blockTimestamp);
      return log.topics[0] === topic0 && time >= fromTime && time <= toTime;
    }).length;
  }
  return counts;
}

/**
 * The one number a query answered for a deployment: the only numeric value of the frames labelled
 * with `chain` (queries here ask for one metric or one health field). Throws when there is not exactly one.
 */
export function valueFor(result: QueryResult, chain: string): number | null {
  const values: Array<number | null> = [];
  for (const frame of result.frames) {
    for (const field of frame.fields) {
      const labels = (field as { labels?: Record<string, string> }).labels ?? {};
      if (field.type === 'number' && labels.chain === chain) {
        values.push(...(field.values as Array<number | null>));
      }
    }
  }
  if (values.length !== 1) {
    throw new Error(`expected one value for ${chain} in ${result.frames.length} frame(s), found ${values.length}`);
  }
  return values[0];
}

/** Block numbers of every log of `address` (with one of `topic0s`, when given), straight from the node. */
export async function logBlocks(rpcUrl: string, address: string, topic0s?: string[]): Promise<number[]> {
  const logs = await new JsonRpc(rpcUrl).call<Array<{ blockNumber: string }>>('eth_getLogs', [
    { address, fromBlock: '0x0', toBlock: 'latest', ...(topic0s ? { topics: [topic0s] } : {}) },
  ]);
  return logs.map((log) => Number(log.blockNumber));
}

/** Buffers a new tx_id on a TesseractSimple deployment (one block with automine); returns the tx_id. */
export async function bufferNewTransaction(deployment: Deployment): Promise<string> {
  const chain = new JsonRpc(deployment.rpcUrl);
  const head = await chain.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  const txId = hexlify(randomBytes(32));
  const data = new Interface(TESSERACT_SIMPLE_ABI as never).encodeFunctionData('buffer_transaction', [
    txId,
    '0x00000000000000000000000000000000000000a1',
    '0x00000000000000000000000000000000000000b2',
    '0x01',
    '0x' + '00'.repeat(32),
    Number(head.timestamp) + 60,
  ]);
  await chain.call('eth_sendTransaction', [
    { from: deployment.operator, to: deployment.contract, data, gas: '0x7a120' },
  ]);
  return txId;
}

// The naive path the index is measured against: what a frontend-only or Infinity-style data source
// does. Every panel maps its own time range to blocks and fetches that range's logs from the chain
// on every refresh, with nothing kept between refreshes. Built from the chain layer's standalone
// parts (BlockClock, getLogsAdaptive) and the backend's Tesseract decoder, so the per-log work is the same.
import { BlockClock, getLogsAdaptive, RpcPool } from '../src/backend/chain';
import { TesseractContract } from '../src/backend/tesseract/contract';
import type { DeploymentSettings } from '../src/query';

/** Query kinds answered from contract logs (the rest read contract state, the same in both paths). */
export const LOG_QUERY_KINDS = new Set(['metrics', 'events', 'transaction']);

export interface NaiveTarget {
  settings: DeploymentSettings;
  rpcUrl: string;
  fromMs: number;
  toMs: number;
  /** For transaction lookups: only this tx_id's logs (topic 1). */
  txId?: string;
}

/** Fetches and decodes one panel target's logs from scratch; returns the number of events decoded. */
export async function naiveFetch(target: NaiveTarget): Promise<number> {
  const pool = new RpcPool({ urls: [target.rpcUrl] });
  const clock = new BlockClock(pool);
  const contract = TesseractContract.fromSettings(target.settings.abi, target.settings.customAbi);
  const range = await clock.blockRange(Math.floor(target.fromMs / 1000), Math.floor(target.toMs / 1000));
  if (!range) {
    return 0;
  }
  const logs = await getLogsAdaptive(
    pool,
    {
      address: target.settings.contract,
      topics: target.txId ? [contract.events.topic0s, target.txId] : [contract.events.topic0s],
      fromBlock: Math.max(range.fromBlock, target.settings.startBlock),
      toBlock: range.toBlock,
      maxBlockRange: target.settings.maxBlockRange,
    },
    { clock }
  );
  let decoded = 0;
  for (const log of logs) {
    if (contract.events.decode(log)) {
      decoded++;
    }
  }
  return decoded;
}

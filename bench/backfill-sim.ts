// `npx tsx bench/backfill-sim.ts [--seeds=1-32] [--events=1000000]`: the eth_getLogs a cold backfill of the
// bench's generated histories costs under PROVIDER_LIMIT, against the fewest the limit allows, over many seeds
// (the backfill row measures one). It runs the backend's own iterateLogs and RangeTuner; only the provider is
// simulated: each eth_getLogs is answered from the history's per-block log counts, or refused with the
// recording proxy's error (harness/rpc-proxy.ts), in no time.
import { classifyRpcError, iterateLogs, RpcError, type RpcPool, type RpcRequest } from '../src/backend/chain';
import { rangeRefusal } from '../harness/rpc-proxy';
import { minimumGetLogsCalls, PROVIDER_LIMIT } from './measure';
import { generateHistory } from './synthetic-history';
import { BLOCK_SECONDS, COORDINATION_WINDOW, DAYS, MAX_BLOCK_RANGE } from './synthetic-rows';

export interface SimulatedBackfill {
  seed: number;
  calls: number;
  minimum: number;
  refusals: number;
  /** Most eth_getLogs in flight at once. */
  maxInFlight: number;
}

/** A stand-in for the RpcPool that iterateLogs uses: batches of [eth_getLogs, eth_getBlockByNumber]. */
function simulatedProvider(firstLogOfBlock: Int32Array, head: number) {
  const hex = (n: number) => `0x${n.toString(16)}`;
  const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
  const seen = { refusals: 0, inFlight: 0, maxInFlight: 0 };
  const logsOf = (from: number, to: number) => {
    const logs: unknown[] = [];
    for (let block = from; block <= Math.min(to, head); block++) {
      for (let i = firstLogOfBlock[block]; i < firstLogOfBlock[block + 1]; i++) {
        logs.push({
          address: '0xc0',
          topics: ['0x01'],
          data: '0x',
          blockNumber: hex(block),
          blockHash: hash(block),
          blockTimestamp: hex(1000 + block),
          transactionHash: hash(i),
          logIndex: hex(i - firstLogOfBlock[block]),
        });
      }
    }
    return logs;
  };
  const pool = {
    rateLimits: 0,
    async batch([getLogs, header]: RpcRequest[]): Promise<unknown[]> {
      seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
      // Replies come back in the order they were asked, after every request of the same moment went out.
      await new Promise((resolve) => setImmediate(resolve));
      seen.inFlight--;
      const filter = (getLogs.params as Array<{ fromBlock: string; toBlock: string }>)[0];
      const [from, to] = [Number(filter.fromBlock), Number(filter.toBlock)];
      const logBlocks: number[] = [];
      for (let block = from; block <= Math.min(to, head); block++) {
        for (let i = firstLogOfBlock[block]; i < firstLogOfBlock[block + 1]; i++) {
          logBlocks.push(block);
        }
      }
      const refusal = rangeRefusal(PROVIDER_LIMIT, from, to, logBlocks) as { code: number; message: string } | null;
      if (refusal) {
        seen.refusals++;
        const { kind, hint } = classifyRpcError(refusal, 'eth_getLogs');
        throw new RpcError(kind, refusal.message, { code: refusal.code, hint });
      }
      const n = Number((header.params as string[])[0]);
      return [logsOf(from, to), { number: hex(n), hash: hash(n), timestamp: hex(1000 + n) }];
    },
  };
  return { pool: pool as unknown as RpcPool, seen };
}

/** One cold backfill of the backfill row's history with this seed (events, days, block time as the row). */
export async function simulateBackfill(seed: number, events: number): Promise<SimulatedBackfill> {
  const history = generateHistory({
    seed,
    events,
    variant: 'simple',
    endTime: 2_000_000_000,
    days: DAYS,
    blockSeconds: BLOCK_SECONDS,
    coordinationWindow: COORDINATION_WINDOW,
  });
  const { firstLogOfBlock, blocks } = history;
  const { pool, seen } = simulatedProvider(firstLogOfBlock, blocks);
  const stats = { getLogsCalls: 0, splits: 0, headerBatches: 0 };
  const request = { address: '0xc0', topics: [], fromBlock: 1, toBlock: blocks, maxBlockRange: MAX_BLOCK_RANGE };
  for await (const chunk of iterateLogs(pool, request, { stats })) {
    void chunk;
  }
  return {
    seed,
    calls: stats.getLogsCalls,
    minimum: minimumGetLogsCalls((b) => firstLogOfBlock[b + 1] - firstLogOfBlock[b], 1, blocks, MAX_BLOCK_RANGE),
    refusals: seen.refusals,
    maxInFlight: seen.maxInFlight,
  };
}

async function main() {
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const [first, last] = (flag('seeds') ?? '1-32').split('-').map(Number);
  const events = Number(flag('events') ?? 1_000_000);
  const ratios: number[] = [];
  for (let seed = first; seed <= (last ?? first); seed++) {
    const result = await simulateBackfill(seed, events);
    ratios.push(result.calls / result.minimum);
    console.log(
      `seed ${seed}: ${result.calls} eth_getLogs (${result.refusals} refused, ≤ ${result.maxInFlight} in flight) ` +
        `vs ${result.minimum} = ${(result.calls / result.minimum).toFixed(3)}×`
    );
  }
  const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length;
  console.log(`${ratios.length} seeds: mean ${mean.toFixed(3)}×, worst ${Math.max(...ratios).toFixed(3)}×`);
}

if (require.main === module) {
  void main();
}

// The chain layer against a real anvil: exact log counts across chunk edges, provider range limits,
// 429s, timeouts, broken JSON, wrong chains, reorgs, single flight and the time-to-block search.
import {
  BlockClock,
  emptyGetLogsStats,
  getLogsAdaptive,
  GetLogsRequest,
  LogIndex,
  LogIndexOptions,
  RecordArray,
  RawLog,
  RpcCallEvent,
  RpcError,
  RpcPool,
  RpcPoolOptions,
} from '../../src/backend/chain';
import { RangeLimit, RpcProxy, startRpcProxy } from '../../harness/rpc-proxy';
import {
  Anvil,
  chainTruth,
  deployEmitter,
  emitMany,
  expectedIds,
  GENESIS_TIMESTAMP,
  PING,
  PONG,
  rpc,
  startAnvil,
  TruthLog,
} from './chain-support';

interface Record {
  blockNumber: number;
  logIndex: number;
  id: string;
  timestamp: number;
}

const decode = (log: RawLog): Record => ({
  blockNumber: log.blockNumber,
  logIndex: log.logIndex,
  id: `${log.topics[0] === PING ? 'ping' : 'pong'}:${BigInt(log.topics[1]).toString()}`,
  timestamp: log.timestamp,
});

const positions = (logs: Array<{ blockNumber: number; logIndex: number; id: string }>) =>
  logs.map((l) => `${l.blockNumber}/${l.logIndex}/${l.id}`);

/** Marker in every proxied URL: it must never surface in errors or status. */
const SECRET = 'SECRET-API-KEY-0123456789';

let anvil: Anvil;
let address: string;
let deployBlock: number;
let emittedIds: string[] = [];
let nextId = 1;
const proxies: RpcProxy[] = [];
const surfacedText: string[] = [];

async function proxy(): Promise<RpcProxy> {
  const started = await startRpcProxy(anvil.url);
  proxies.push(started);
  return started;
}

const secretUrl = (p: RpcProxy) => `${p.url}/v3/${SECRET}`;

/** A pool with an observer that records every HTTP exchange. */
function observedPool(options: Omit<RpcPoolOptions, 'observer'>) {
  const calls: RpcCallEvent[] = [];
  const pool = new RpcPool({ ...options, observer: { onCall: (event) => calls.push(event) } });
  return { pool, calls };
}

function newIndex(
  pool: RpcPool,
  overrides: Partial<
    Pick<LogIndexOptions<Record, RecordArray<Record>>, 'maxBlockRange' | 'confirmations' | 'decode'>
  > = {}
) {
  return new LogIndex<Record>({
    store: new RecordArray<Record>(),
    pool,
    clock: new BlockClock(pool),
    address,
    topic0s: [PING, PONG],
    startBlock: deployBlock,
    confirmations: overrides.confirmations ?? 5,
    maxBlockRange: overrides.maxBlockRange ?? 10_000,
    decode: overrides.decode ?? decode,
  });
}

async function emit(count: number, timestamp?: number): Promise<number> {
  const start = nextId;
  nextId += count;
  const block = await emitMany(anvil.url, address, start, count, timestamp);
  emittedIds.push(...expectedIds(start, count));
  return block;
}

async function expectExact(index: LogIndex<Record>): Promise<TruthLog[]> {
  const truth = await chainTruth(anvil.url, address);
  expect(positions(index.store.records as Record[])).toEqual(positions(truth));
  expect([...truth.map((t) => t.id)].sort()).toEqual([...emittedIds].sort());
  return truth;
}

/** The whole indexed history as one getLogsAdaptive request. */
const everything = (toBlock: number): GetLogsRequest => ({
  address,
  topics: [[PING, PONG]],
  fromBlock: deployBlock,
  toBlock,
  maxBlockRange: 10_000,
});

async function headNumber(): Promise<number> {
  return Number(await rpc<string>(anvil.url, 'eth_blockNumber'));
}

function remember(error: unknown): RpcError {
  expect(error).toBeInstanceOf(RpcError);
  surfacedText.push((error as RpcError).message);
  return error as RpcError;
}

beforeAll(async () => {
  anvil = await startAnvil();
  address = await deployEmitter(anvil.url);
  deployBlock = await headNumber();
  // 40 emitting blocks at irregular times (bursts of 1 s, gaps of minutes), with runs of empty blocks between.
  const gaps = [1, 1, 2, 13, 1, 60, 12, 12, 1, 300, 2, 2, 12, 45, 1, 1, 1, 7, 600, 12];
  let timestamp = GENESIS_TIMESTAMP + 100;
  for (let i = 0; i < 40; i++) {
    timestamp += gaps[i % gaps.length];
    await emit(3 + (i % 5), timestamp);
    if (i % 8 === 7) {
      // 25 empty blocks, 12 s apart
      await rpc(anvil.url, 'anvil_mine', ['0x19', '0xc']);
      timestamp += 25 * 12;
    }
  }
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await anvil?.stop();
});

afterEach(async () => {
  for (const p of proxies) {
    p.setFault({ kind: 'none' });
    p.setRangeLimit(null);
  }
});

describe('cold and warm sync', () => {
  it('matches the chain exactly across chunk edges, in the minimum number of requests', async () => {
    const { pool, calls } = observedPool({ urls: [anvil.url], expectedChainId: 31337 });
    const index = newIndex(pool, { maxBlockRange: 3 });
    const report = await index.sync();
    await expectExact(index);
    const head = await headNumber();
    const chunks = Math.ceil((head - deployBlock + 1) / 3);
    expect(report).toMatchObject({ fromBlock: deployBlock, toBlock: head, added: emittedIds.length, dropped: 0 });
    expect(report.getLogsCalls).toBe(chunks);
    expect(report.rpcCalls).toBe(1 + chunks);
    // eth_chainId + (head) + one batch [eth_getLogs, header] per chunk; anvil sends blockTimestamp, so no header fetches
    expect(calls.map((c) => c.method)).toEqual([
      'eth_chainId',
      'eth_getBlockByNumber',
      ...Array(chunks).fill('eth_getLogs'),
    ]);
    expect(index.stats()).toMatchObject({ indexedToBlock: head, confirmedToBlock: head - 5, headerBatches: 0 });

    // Timestamps are the blocks' own.
    const some = index.store.records[17];
    const block = await rpc<{ timestamp: string }>(anvil.url, 'eth_getBlockByNumber', [
      `0x${some.blockNumber.toString(16)}`,
      false,
    ]);
    expect(some.timestamp).toBe(Number(block.timestamp));

    // Warm: nothing new costs one request (head + tip hash in one batch) and no getLogs.
    calls.length = 0;
    const idle = await index.sync();
    expect(idle).toMatchObject({ added: 0, dropped: 0, getLogsCalls: 0, rpcCalls: 1 });
    expect(calls).toHaveLength(1);
    expect(calls[0].requests).toBe(2);

    // Warm with new blocks: that batch plus one chunk.
    await emit(4);
    await emit(2);
    calls.length = 0;
    const warm = await index.sync();
    expect(warm).toMatchObject({
      added: expectedIds(0, 4).length + expectedIds(0, 2).length,
      getLogsCalls: 1,
      rpcCalls: 2,
    });
    expect(index.stats().rpcCalls).toBe(report.rpcCalls + idle.rpcCalls + warm.rpcCalls);
    expect(calls.map((c) => c.method)).toEqual(['eth_getBlockByNumber', 'eth_getLogs']);
    await expectExact(index);

    const middle = index.store.records[100];
    expect(
      index.store.between(middle.blockNumber, middle.blockNumber).every((r) => r.blockNumber === middle.blockNumber)
    ).toBe(true);
    expect(index.store.between(deployBlock, head + 100)).toHaveLength(index.store.records.length);
  });

  it('backfills a history wider than maxBlockRange in maxBlockRange-wide chunks from the first request', async () => {
    const { pool } = observedPool({ urls: [anvil.url] });
    const index = newIndex(pool, { maxBlockRange: 50 });
    const report = await index.sync();
    await expectExact(index);
    const blocks = report.toBlock - deployBlock + 1;
    expect(report.getLogsCalls).toBe(Math.ceil(blocks / 50));
  });

  it('resumes an interrupted backfill without losing or repeating events', async () => {
    const flaky = await proxy();
    const { pool } = observedPool({ urls: [secretUrl(flaky)], maxRetries: 1, maxWaitMs: 100 });
    let decoded = 0;
    const index = newIndex(pool, {
      maxBlockRange: 10,
      decode: (log) => {
        if (++decoded === 60) {
          flaky.setFault({ kind: 'down' });
        }
        return decode(log);
      },
    });
    const failure = remember(await index.sync().catch((e: unknown) => e));
    expect(failure.kind).toBe('unreachable');
    expect(failure.message).toMatch(/^RPC #1: unreachable/);
    const partial = index.stats();
    expect(partial.indexedToBlock).toBeGreaterThan(deployBlock);
    expect(partial.indexedToBlock).toBeLessThan(await headNumber());
    expect(partial.lastError).toBe(failure.message);
    expect(index.store.records.length).toBeGreaterThanOrEqual(60);

    flaky.setFault({ kind: 'none' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the endpoint's backoff
    const resumed = await index.sync();
    expect(resumed.fromBlock).toBe(partial.indexedToBlock + 1);
    await expectExact(index);
    expect(index.stats().lastError).toBeUndefined();
  });
});

describe('decoder failures', () => {
  it('skips and counts a log the decoder throws on, and keeps indexing', async () => {
    const { pool } = observedPool({ urls: [anvil.url] });
    const truth = await chainTruth(anvil.url, address);
    const poisoned = truth[42];
    const index = newIndex(pool, {
      maxBlockRange: 7,
      decode: (log) => {
        if (log.blockNumber === poisoned.blockNumber && log.logIndex === poisoned.logIndex) {
          throw new Error('unexpected data layout');
        }
        return decode(log);
      },
    });
    await index.sync();
    expect(positions(index.store.records as Record[])).toEqual(positions(truth.filter((t) => t !== poisoned)));
    expect(index.stats()).toMatchObject({
      decodeErrors: 1,
      lastDecodeError: `block ${poisoned.blockNumber} log ${poisoned.logIndex}: unexpected data layout`,
    });
  });
});

describe('node quirks', () => {
  it('indexes exactly through a node that refuses batches and sends no blockTimestamp', async () => {
    const node = await startRpcProxy(anvil.url);
    node.setFault({ kind: 'no_batches' });
    node.setLogReplyQuirks({ stripBlockTimestamp: true });
    try {
      const { pool } = observedPool({ urls: [node.url], expectedChainId: 31337 });
      const index = newIndex(pool, { maxBlockRange: 25 });
      await index.sync();
      await expectExact(index);
      const stats = index.stats();
      expect(stats.headerBatches).toBeGreaterThan(0);
      for (const record of [
        index.store.records[0],
        index.store.records[77],
        index.store.records[index.store.records.length - 1],
      ]) {
        const block = await rpc<{ timestamp: string }>(anvil.url, 'eth_getBlockByNumber', [
          `0x${record.blockNumber.toString(16)}`,
          false,
        ]);
        expect(record.timestamp).toBe(Number(block.timestamp));
      }
      // Warm: the head batch goes call by call now, without a failed batch first.
      const before = node.counts().httpRequests;
      await index.sync();
      expect(node.counts().httpRequests - before).toBe(2);
    } finally {
      await node.close();
    }
  });

  it('retries a chunk whose reply mixes two forks instead of indexing it', async () => {
    const node = await startRpcProxy(anvil.url);
    node.setLogReplyQuirks({ forkedReplies: 2 });
    try {
      const { pool } = observedPool({ urls: [node.url] });
      const stats = emptyGetLogsStats();
      const logs = await getLogsAdaptive(pool, everything(await headNumber()), { stats });
      expect(positions(logs.map(decode))).toEqual(positions(await chainTruth(anvil.url, address)));
      expect(stats.getLogsCalls).toBe(3);
    } finally {
      await node.close();
    }
  });
});

describe('provider range limits', () => {
  const shapes: RangeLimit[] = [
    { shape: 'infura-results', maxResults: 20 },
    { shape: 'infura-range', maxSpan: 10 },
    { shape: 'max-block-range', maxSpan: 8 },
    { shape: 'alchemy', maxSpan: 6, maxResults: 25 },
    { shape: 'quicknode', maxSpan: 5 },
  ];

  it.each(shapes)('still yields the exact events under a $shape limit', async (limit) => {
    const limited = await proxy();
    limited.setRangeLimit(limit);
    const { pool } = observedPool({ urls: [secretUrl(limited)] });
    const index = newIndex(pool, { maxBlockRange: 10_000 });
    const report = await index.sync();
    await expectExact(index);
    expect(report.splits).toBeGreaterThan(0);
    expect(limited.counts().rangeRejections).toBe(report.splits);
    // Learnt limits keep failures rare: far fewer rejections than successful chunks.
    expect(report.splits).toBeLessThan(report.getLogsCalls / 2);
  });

  it('serves the naive path (getLogsAdaptive) under a QuickNode-style 5-block cap', async () => {
    const limited = await proxy();
    limited.setRangeLimit({ shape: 'quicknode', maxSpan: 5 });
    const { pool } = observedPool({ urls: [secretUrl(limited)] });
    const head = await headNumber();
    const stats = emptyGetLogsStats();
    const logs = await getLogsAdaptive(pool, { ...everything(head), maxBlockRange: 2000 }, { stats });
    expect(positions(logs.map(decode))).toEqual(positions(await chainTruth(anvil.url, address)));
    // The cap is learnt from the message: one rejection, then 5-block chunks.
    expect(stats.splits).toBe(1);
    expect(stats.getLogsCalls).toBe(1 + Math.ceil((head - deployBlock + 1) / 5));
  });
});

describe('failover', () => {
  it.each([{ retryAfterSeconds: 1 }, {}])(
    'moves to the fallback on HTTP 429 %j without splitting, and retries the primary later',
    async (fault) => {
      const primary = await proxy();
      const fallback = await proxy();
      primary.setFault({ kind: 'rate_limited', ...fault });
      const { pool, calls } = observedPool({ urls: [secretUrl(primary), secretUrl(fallback)] });
      const index = newIndex(pool, { maxBlockRange: 50 });
      const report = await index.sync();
      await expectExact(index);
      expect(report.splits).toBe(0);
      expect(pool.status().activeUrlIndex).toBe(1);
      expect(calls.some((c) => c.endpoint === 0 && c.errorKind === 'rate_limited')).toBe(true);
      expect(fallback.count('eth_getLogs')).toBe(report.getLogsCalls);
      surfacedText.push(JSON.stringify(pool.status()));

      primary.setFault({ kind: 'none' });
      await new Promise((resolve) => setTimeout(resolve, 1100)); // Retry-After, or the 250 ms backoff
      calls.length = 0;
      await emit(2);
      await index.sync();
      expect(calls.every((c) => c.endpoint === 0 && c.ok)).toBe(true);
      expect(pool.status().activeUrlIndex).toBe(0);
      await expectExact(index);
    }
  );

  it('moves to the fallback on a timeout without splitting', async () => {
    const slow = await proxy();
    const fallback = await proxy();
    slow.setFault({ kind: 'slow', delayMs: 5_000 }, { methods: ['eth_getLogs'] });
    const { pool, calls } = observedPool({ urls: [secretUrl(slow), secretUrl(fallback)], timeoutMs: 400 });
    const stats = emptyGetLogsStats();
    const logs = await getLogsAdaptive(pool, everything(await headNumber()), { stats });
    expect(positions(logs.map(decode))).toEqual(positions(await chainTruth(anvil.url, address)));
    expect(stats).toMatchObject({ splits: 0, getLogsCalls: 1 });
    expect(calls.filter((c) => c.errorKind === 'timeout').map((c) => c.endpoint)).toEqual([0]);
    expect(fallback.count('eth_getLogs')).toBe(1);
  });

  it.each(['truncated', 'invalid_json'] as const)(
    'treats a %s reply as invalid and retries elsewhere',
    async (kind) => {
      const broken = await proxy();
      const fallback = await proxy();
      broken.setFault({ kind }, { methods: ['eth_getLogs'] });
      const { pool, calls } = observedPool({ urls: [secretUrl(broken), secretUrl(fallback)] });
      const index = newIndex(pool, { maxBlockRange: 10_000 });
      await index.sync();
      await expectExact(index);
      expect(calls.find((c) => c.endpoint === 0 && !c.ok)?.errorKind).toBe('invalid_response');
    }
  );

  it('refuses an endpoint on the wrong chain with a clear error, and uses the right one', async () => {
    const wrong = await proxy();
    const right = await proxy();
    wrong.setFault({ kind: 'wrong_chain', chainId: 1 });
    const alone = new RpcPool({ urls: [secretUrl(wrong)], expectedChainId: 31337 });
    const error = remember(await alone.call('eth_blockNumber', []).catch((e: unknown) => e));
    expect(error.kind).toBe('wrong_chain');
    expect(error.message).toBe('RPC #1: serves chain id 1, expected 31337');
    expect(alone.status().endpoints[0].chainIdOk).toBe(false);

    const { pool } = observedPool({ urls: [secretUrl(wrong), secretUrl(right)], expectedChainId: 31337 });
    const index = newIndex(pool);
    await index.sync();
    await expectExact(index);
    expect(wrong.count('eth_getLogs')).toBe(0);
    expect(pool.status().activeUrlIndex).toBe(1);
  });

  it('fails over from an endpoint that refuses its API key (HTTP 401 with a JSON-RPC error)', async () => {
    const refusing = await startRpcProxy(anvil.url);
    refusing.setFault({ kind: 'unauthorized' });
    try {
      const { pool, calls } = observedPool({ urls: [refusing.url, anvil.url], expectedChainId: 31337 });
      const index = newIndex(pool);
      await index.sync();
      await expectExact(index);
      expect(calls[0]).toMatchObject({ endpoint: 0, method: 'eth_chainId', ok: false, errorKind: 'unreachable' });
      expect(pool.status().endpoints[0].lastError).toBe('RPC #1: HTTP 401: invalid project id');
      expect(pool.status().activeUrlIndex).toBe(1);
    } finally {
      await refusing.close();
    }
  });

  it('reports every dead endpoint without naming its URL', async () => {
    const first = await proxy();
    const second = await proxy();
    first.setFault({ kind: 'down' });
    second.setFault({ kind: 'rate_limited', retryAfterSeconds: 30 });
    const pool = new RpcPool({ urls: [secretUrl(first), secretUrl(second)] });
    const error = remember(await new BlockClock(pool).head().catch((e: unknown) => e));
    expect(error.message).toContain('RPC #1: unreachable');
    expect(error.message).toContain('RPC #2: rate limited (HTTP 429)');
    surfacedText.push(JSON.stringify(pool.status()));
  });
});

describe('single flight', () => {
  it('keeps at most maxConcurrency requests in flight and answers all of them', async () => {
    const slow = await proxy();
    slow.setFault({ kind: 'slow', delayMs: 100 });
    const pool = new RpcPool({ urls: [slow.url], maxConcurrency: 3 });
    let inFlight = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 12 }, async (_, n) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        const block = await pool.call<{ number: string }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
        inFlight--;
        return Number(block.number);
      })
    );
    expect(results).toEqual(Array.from({ length: 12 }, (_, n) => n));
    expect(peak).toBe(12);
    const arrivals = slow.requests().map((r) => r.at);
    expect(arrivals).toHaveLength(12);
    // the proxy holds each request 100 ms: with 3 slots, the 4th cannot arrive before the 1st is answered
    expect(arrivals[3] - arrivals[0]).toBeGreaterThanOrEqual(90);
    expect(pool.status()).toMatchObject({ requests: 12, lastError: undefined });
    expect(pool.status().lastSuccessAt).toBeGreaterThan(0);
  });

  it('serves 50 concurrent syncs with one fetch', async () => {
    await emit(5);
    const { pool, calls } = observedPool({ urls: [anvil.url], expectedChainId: 31337 });
    const index = newIndex(pool);
    const reports = await Promise.all(Array.from({ length: 50 }, () => index.sync()));
    expect(new Set(reports).size).toBe(1);
    expect(calls.map((c) => c.method)).toEqual(['eth_chainId', 'eth_getBlockByNumber', 'eth_getLogs']);
    await expectExact(index);

    await emit(3);
    calls.length = 0;
    const warm = await Promise.all(Array.from({ length: 50 }, () => index.sync()));
    expect(new Set(warm).size).toBe(1);
    expect(calls.map((c) => c.method)).toEqual(['eth_getBlockByNumber', 'eth_getLogs']);
    await expectExact(index);
  });
});

describe('index lifecycle', () => {
  it('stops a running sync after its chunk when disposed, and refuses later syncs', async () => {
    const { pool } = observedPool({ urls: [anvil.url] });
    let index: LogIndex<Record> | undefined;
    index = newIndex(pool, {
      maxBlockRange: 5,
      decode: (log) => {
        index?.dispose();
        return decode(log);
      },
    });
    const report = await index.sync();
    expect(report.added).toBe(0);
    expect(index.store.records).toHaveLength(0);
    expect(index.stats().indexedToBlock).toBeLessThan(report.headBlock);
    await expect(index.sync()).rejects.toThrow('the log index was disposed');
  });
});

describe('time to block', () => {
  it('finds the last block at or before any time, exactly, in a handful of requests', async () => {
    const head = await headNumber();
    const blocks = await Promise.all(
      Array.from({ length: head + 1 }, (_, n) =>
        rpc<{ timestamp: string }>(anvil.url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
      )
    );
    const timestamps = blocks.map((b) => Number(b.timestamp));
    const { pool, calls } = observedPool({ urls: [anvil.url] });
    const clock = new BlockClock(pool, { cacheSize: 32 });
    const first = timestamps[0];
    const last = timestamps[head];
    const targets = [first - 1, first, last, last + 10];
    for (let t = first; t <= last; t += 37) {
      targets.push(t);
    }
    let worst = 0;
    for (const t of targets) {
      const before = calls.length;
      const found = await clock.blockAtOrBefore(t);
      expect(found).toBe(timestamps.filter((ts) => ts <= t).length - 1);
      worst = Math.max(worst, calls.length - before);
    }
    // head (cached 1 s) and genesis once, then at most 3 rounds on a chain this short
    expect(worst).toBeLessThanOrEqual(5);

    const range = await clock.blockRange(timestamps[10], timestamps[20]);
    expect(range?.fromBlock).toBe(timestamps.indexOf(timestamps[10]));
    expect(range?.toBlock).toBe(timestamps.lastIndexOf(timestamps[20]));
  });
});

describe('reorgs', () => {
  it('drops reorged events and fetches the new fork: no phantoms, nothing missing', async () => {
    const { pool } = observedPool({ urls: [anvil.url] });
    const index = newIndex(pool, { confirmations: 10, maxBlockRange: 4 });
    await index.sync();
    await expectExact(index);

    const fork = await headNumber();
    const snapshot = await rpc<string>(anvil.url, 'evm_snapshot');
    const idsBefore = [...emittedIds];
    await emit(6);
    await rpc(anvil.url, 'anvil_mine', ['0x2']);
    await emit(4);
    await index.sync();
    await expectExact(index);

    // A longer fork with different events replaces the last 4 blocks.
    await rpc(anvil.url, 'evm_revert', [snapshot]);
    emittedIds = idsBefore;
    await emit(2);
    await emit(7);
    await rpc(anvil.url, 'anvil_mine', ['0x3']);
    const longer = await index.sync();
    expect(longer.reorgFromBlock).toBe(fork + 1);
    // head + tip, the remembered tail's headers, then the new fork's chunks
    expect(longer.rpcCalls).toBe(2 + longer.getLogsCalls);
    expect(longer.dropped).toBe(expectedIds(0, 6).length + expectedIds(0, 4).length);
    await expectExact(index);

    // A shorter fork: the chain head falls below the indexed tip.
    const snapshot2 = await rpc<string>(anvil.url, 'evm_snapshot');
    const idsBefore2 = [...emittedIds];
    await emit(3);
    await emit(3);
    await emit(3);
    await index.sync();
    await rpc(anvil.url, 'evm_revert', [snapshot2]);
    emittedIds = idsBefore2;
    await emit(5);
    const shorter = await index.sync();
    expect(shorter.dropped).toBe(3 * expectedIds(0, 3).length);
    await expectExact(index);
    expect(index.stats().reorgs).toBe(2);
  });
});

it('named no URL nor key in any error message or status the tests above saw', () => {
  expect(surfacedText.length).toBeGreaterThan(5);
  for (const text of surfacedText) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toContain('127.0.0.1');
  }
});

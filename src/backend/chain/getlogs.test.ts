/** @jest-environment node */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { iterateLogs, RangeTuner, type LogChunk } from './getlogs';
import { RpcPool } from './rpc';

describe('RangeTuner', () => {
  it('starts at the configured span, halves on a bare range error and probes back up by bisection below it', () => {
    const tuner = new RangeTuner(1000);
    expect(tuner.span).toBe(1000);
    expect(tuner.rejected('range_too_large', 1000)).toBe(500);
    const spans: number[] = [];
    for (let i = 0; i < 4; i++) {
      tuner.succeeded(tuner.span, 10);
      spans.push(tuner.span);
    }
    expect(spans).toEqual([750, 875, 937, 968]);
    // A refused probe lowers the cap and falls back to the widest span that worked.
    expect(tuner.rejected('range_too_large', 968)).toBe(937);
    expect(tuner.rangeCap).toBe(967);
    for (let i = 0; i < 20; i++) {
      tuner.succeeded(tuner.span, 10);
    }
    expect(tuner.span).toBe(967);
  });

  it('adopts a provider span cap and never grows past it', () => {
    const tuner = new RangeTuner(10_000);
    expect(tuner.rejected('range_too_large', 10_000, { maxSpan: 5 })).toBe(5);
    for (let i = 0; i < 10; i++) {
      tuner.succeeded(tuner.span, 10);
    }
    expect(tuner.span).toBe(5);
  });

  it('without a known result cap, grows a narrowed span back by doubling after a few successes', () => {
    const tuner = new RangeTuner(4000);
    expect(tuner.rejected('too_many_results', 4000)).toBe(2000);
    const spans: number[] = [];
    for (let i = 0; i < 7; i++) {
      tuner.succeeded(tuner.span, 10);
      spans.push(tuner.span);
    }
    expect(spans).toEqual([2000, 2000, 4000, 4000, 4000, 4000, 4000]);
  });

  it('sizes each request by the log density of the recent replies once the provider named its result cap', () => {
    const tuner = new RangeTuner(10_000);
    const suggestion = { fromBlock: 0, toBlock: 2499 };
    expect(tuner.rejected('too_many_results', 10_000, { maxResults: 1000, suggestedRange: suggestion })).toBe(2500);
    tuner.succeeded(2500, 1000);
    // 0.4 logs a block: 86% of the cap.
    expect(tuner.span).toBe(2150);
    tuner.succeeded(2150, 100);
    // 1100 logs in 4650 blocks.
    expect(tuner.span).toBe(Math.floor((1000 * 0.86 * 4650) / 1100));
    // A sparse stretch widens the span reply by reply, up to the range cap.
    for (let i = 0; i < 8; i++) {
      tuner.succeeded(tuner.span, 10);
    }
    expect(tuner.span).toBe(10_000);
  });

  it('learns a result cap from the reply to the range a provider suggested', () => {
    const tuner = new RangeTuner(10_000);
    expect(tuner.rejected('too_many_results', 10_000, { suggestedRange: { fromBlock: 0, toBlock: 399 } })).toBe(400);
    tuner.succeeded(400, 800);
    expect(tuner.span).toBe(344);
  });

  it('backfills an uneven dense history within 1.5× of the fewest requests an Alchemy-style limit allows', () => {
    // 30 000 blocks of 0–4 logs, in bursts; Alchemy accepts up to 2 000 blocks, or any span with ≤ 10 000 logs.
    const logsPerBlock = Array.from({ length: 30_000 }, (_, b) =>
      Math.round(2 + 2 * Math.sin(b / 1700) * Math.cos(b / 530))
    );
    const prefix = [0];
    for (const count of logsPerBlock) {
      prefix.push(prefix[prefix.length - 1] + count);
    }
    const last = logsPerBlock.length - 1;
    const accepted = (from: number, to: number) => to - from < 2000 || prefix[to + 1] - prefix[from] <= 10_000;
    const widestAccepted = (from: number, to: number) => {
      while (!accepted(from, to)) {
        to--;
      }
      return to;
    };
    const maxBlockRange = 10_000;
    let minimum = 0;
    for (let from = 0; from <= last; minimum++) {
      from = widestAccepted(from, Math.min(last, from + maxBlockRange - 1)) + 1;
    }
    const tuner = new RangeTuner(maxBlockRange);
    let calls = 0;
    for (let from = 0; from <= last; calls++) {
      const to = Math.min(last, from + tuner.span - 1);
      if (accepted(from, to)) {
        tuner.succeeded(to - from + 1, prefix[to + 1] - prefix[from]);
        from = to + 1;
      } else {
        const suggestedRange = { fromBlock: from, toBlock: widestAccepted(from, to) };
        tuner.rejected('too_many_results', to - from + 1, { maxResults: 10_000, suggestedRange });
      }
    }
    expect(minimum).toBeGreaterThanOrEqual(5);
    expect(calls).toBeLessThanOrEqual(1.5 * minimum);
  });

  it('halves when the suggestion is not smaller, and bottoms out at one block', () => {
    const tuner = new RangeTuner(8);
    expect(tuner.rejected('too_many_results', 8, { suggestedRange: { fromBlock: 0, toBlock: 99 } })).toBe(4);
    expect(tuner.rejected('too_many_results', 2)).toBe(1);
    expect(tuner.rejected('timeout', 1)).toBe(1);
  });

  /** The requests a backfill of blocks [0, last] costs through the tuner, against a provider's rule. */
  function backfill(
    tuner: RangeTuner,
    last: number,
    refusal: (from: number, to: number) => Parameters<RangeTuner['rejected']> | null
  ): number {
    let calls = 0;
    for (let from = 0; from <= last; calls++) {
      const to = Math.min(last, from + tuner.span - 1);
      const refused = refusal(from, to);
      if (refused) {
        expect(to).toBeGreaterThan(from); // a one-block span the provider refuses cannot be fetched
        tuner.rejected(...refused);
      } else {
        tuner.succeeded(to - from + 1, 7 * (to - from + 1));
        from = to + 1;
      }
    }
    return calls;
  }

  /** Widest accepted spans from 0 on: the fewest requests a rule that accepts every sub-range allows. */
  function fewest(last: number, maxBlockRange: number, accepts: (from: number, to: number) => boolean): number {
    let requests = 0;
    for (let from = 0; from <= last; requests++) {
      let to = Math.min(last, from + maxBlockRange - 1);
      while (!accepts(from, to)) {
        to--;
      }
      from = to + 1;
    }
    return requests;
  }

  it.each<[string, number]>([
    ['names a range it refuses again (Alchemy wording)', 4],
    ['names a range it refuses again, wider than the request', 1],
    ['refuses ranges with no hint', 13],
  ])('stays within 2x the fewest requests when a provider %s (true cap %i blocks, 105 blocks)', (shape, cap) => {
    const last = 104;
    const accepts = (from: number, to: number) => to - from + 1 <= cap;
    const refusal = (from: number, to: number): Parameters<RangeTuner['rejected']> | null => {
      if (accepts(from, to)) {
        return null;
      }
      const span = to - from + 1;
      if (shape.startsWith('refuses ranges with no hint')) {
        return ['range_too_large', span, {}];
      }
      // A named span the node answering the retry does not serve (a pool of nodes with other limits behind one URL).
      const named = shape.includes('wider') ? span + 10 : 50;
      return [
        'too_many_results',
        span,
        { suggestedRange: { fromBlock: from, toBlock: from + named - 1 }, maxSpan: named, maxResults: 10_000 },
      ];
    };
    const tuner = new RangeTuner(10_000);
    const calls = backfill(tuner, last, refusal);
    const minimum = fewest(last, 10_000, accepts);
    expect(calls).toBeLessThanOrEqual(2 * minimum);
    expect(tuner.rangeCap).toBeLessThanOrEqual(cap * 2);
    // The cap is kept: the next sync's requests are accepted at once.
    expect(refusal(0, tuner.span - 1)).toBeNull();
  });
});

interface NodeRules {
  /** Blocks 0..head, one log each unless logsPerBlock says otherwise. */
  head: number;
  logsPerBlock?: readonly number[];
  /** Infura-style: a range with more logs than this gets -32005 with the widest range that fits. */
  maxResults?: number;
  /** Each eth_getLogs reply is held back this long. */
  latencyMs: number;
  /** Widest eth_getLogs served; wider ones get the geth-style range error. */
  maxSpan?: number;
  /** More eth_getLogs in flight than this get HTTP 429. */
  maxInFlight?: number;
  /** eth_getLogs reaching this block is refused for good (an rpc error that is no range limit). */
  brokenFrom?: number;
}

/** A node serving logs by block; counts eth_getLogs and the most it had in flight at once. */
async function logNode(rules: NodeRules) {
  let inFlight = 0;
  /** Per eth_getLogs served, its first block and how many were in flight with it. */
  const served: Array<{ from: number; inFlight: number }> = [];
  const seen = { getLogs: 0, maxInFlight: 0, rateLimited: 0, served };
  const hex = (n: number) => `0x${n.toString(16)}`;
  const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
  const answer = (r: { id: number; method: string; params: Array<Record<string, string>> }) => {
    if (r.method === 'eth_getBlockByNumber') {
      const n = Number(r.params[0]);
      return { jsonrpc: '2.0', id: r.id, result: { number: hex(n), hash: hash(n), timestamp: hex(1000 + n) } };
    }
    const from = Number(r.params[0].fromBlock);
    const to = Number(r.params[0].toBlock);
    if (rules.brokenFrom !== undefined && to >= rules.brokenFrom) {
      return { jsonrpc: '2.0', id: r.id, error: { code: -32000, message: 'internal node failure' } };
    }
    if (rules.maxSpan !== undefined && to - from + 1 > rules.maxSpan) {
      return {
        jsonrpc: '2.0',
        id: r.id,
        error: { code: -32602, message: `exceed maximum block range: ${rules.maxSpan}` },
      };
    }
    const countOf = (n: number) => rules.logsPerBlock?.[n] ?? 1;
    if (rules.maxResults !== undefined) {
      let fits = from - 1;
      for (let total = 0; fits < to && total + countOf(fits + 1) <= rules.maxResults; fits++) {
        total += countOf(fits + 1);
      }
      if (fits < to) {
        const message = `query returned more than ${rules.maxResults} results`;
        const data = { from: hex(from), to: hex(Math.max(from, fits)) };
        return { jsonrpc: '2.0', id: r.id, error: { code: -32005, message, data } };
      }
    }
    const logs = [];
    for (let n = from; n <= Math.min(to, rules.head); n++) {
      for (let i = 0; i < countOf(n); i++) {
        logs.push({
          address: '0xc0',
          topics: ['0x01'],
          data: '0x',
          blockNumber: hex(n),
          blockHash: hash(n),
          blockTimestamp: hex(1000 + n),
          transactionHash: hash(n),
          logIndex: hex(i),
        });
      }
    }
    return { jsonrpc: '2.0', id: r.id, result: logs };
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Array<Parameters<typeof answer>[0]>;
      seen.getLogs++;
      if (rules.maxInFlight !== undefined && inFlight >= rules.maxInFlight) {
        seen.rateLimited++;
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end('{"jsonrpc":"2.0","id":null,"error":{"code":429,"message":"Too Many Requests"}}');
        return;
      }
      inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, inFlight);
      for (const request of body.filter((r) => r.method === 'eth_getLogs')) {
        served.push({ from: Number(request.params[0].fromBlock), inFlight });
      }
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body.map(answer)));
      }, rules.latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Drains iterateLogs over blocks 0..toBlock; the chunks it yielded and the error it ended with, if any. */
async function drain(url: string, toBlock: number, tuner: RangeTuner, maxLogsInFlight?: number) {
  const chunks: LogChunk[] = [];
  const pool = new RpcPool({ urls: [url] });
  try {
    for await (const chunk of iterateLogs(
      pool,
      { address: '0xc0', topics: [], fromBlock: 0, toBlock, maxBlockRange: tuner.maxBlockRange },
      { tuner, maxLogsInFlight }
    )) {
      chunks.push(chunk);
    }
    return { chunks };
  } catch (error) {
    return { chunks, error: error as Error };
  }
}

/** Fewest requests covering the blocks when each may hold at most maxResults logs (greedy, widest first). */
function fewestUnderResultCap(logsPerBlock: readonly number[], maxResults: number): number {
  let requests = 0;
  for (let n = 0; n < logsPerBlock.length; requests++) {
    for (let total = 0; n < logsPerBlock.length && total + logsPerBlock[n] <= maxResults; n++) {
      total += logsPerBlock[n];
    }
  }
  return requests;
}

/** The chunks are consecutive from block 0 and hold every block's logs once, in order. */
function expectExact(chunks: LogChunk[], lastBlock: number, logsPerBlock?: readonly number[]): void {
  let next = 0;
  for (const chunk of chunks) {
    expect(chunk.fromBlock).toBe(next);
    const blocks = Array.from({ length: chunk.toBlock - chunk.fromBlock + 1 }, (_, i) => chunk.fromBlock + i);
    expect(chunk.logs.map((l) => l.blockNumber)).toEqual(
      blocks.flatMap((n) => new Array<number>(logsPerBlock?.[n] ?? 1).fill(n))
    );
    expect(chunk.toHeader.number).toBe(chunk.toBlock);
    next = chunk.toBlock + 1;
  }
  expect(next).toBe(lastBlock + 1);
}

describe('iterateLogs', () => {
  it('keeps consecutive chunks in flight together and yields them strictly in block order', async () => {
    const node = await logNode({ head: 399, latencyMs: 40 });
    try {
      const tuner = new RangeTuner(10);
      const { chunks, error } = await drain(node.url, 399, tuner);
      expect(error).toBeUndefined();
      expectExact(chunks, 399);
      expect(node.seen.getLogs).toBe(40);
      // AIMD grew past the initial two (replies are held 40 ms, so the node sees them overlap), within its bound.
      expect(node.seen.maxInFlight).toBeGreaterThanOrEqual(3);
      expect(node.seen.maxInFlight).toBeLessThanOrEqual(6);
      expect(tuner.concurrency).toBe(6);
    } finally {
      await node.close();
    }
  });

  it('keeps the logs of the replies in flight within the budget: dense chunks go one at a time', async () => {
    // 25 logs a block in blocks 0–199, 1 after: 10-block chunks of 250 logs, then of 10.
    const logsPerBlock = Array.from({ length: 400 }, (_, n) => (n < 200 ? 25 : 1));
    const node = await logNode({ head: 399, latencyMs: 40, logsPerBlock });
    try {
      const tuner = new RangeTuner(10);
      const { chunks, error } = await drain(node.url, 399, tuner, 300);
      expect(error).toBeUndefined();
      expectExact(chunks, 399, logsPerBlock);
      const most = (dense: boolean) =>
        Math.max(...node.seen.served.filter((r) => r.from < 200 === dense).map((r) => r.inFlight));
      // 250 logs expected a request against a budget of 300: one at a time; then 10 each, as many as AIMD allows.
      expect(most(true)).toBe(1);
      expect(most(false)).toBeGreaterThanOrEqual(3);
    } finally {
      await node.close();
    }
  });

  it('learns a range cap with one request in flight, then goes parallel at the learnt span', async () => {
    const node = await logNode({ head: 299, latencyMs: 20, maxSpan: 7 });
    try {
      const tuner = new RangeTuner(50);
      const { chunks, error } = await drain(node.url, 299, tuner);
      expect(error).toBeUndefined();
      expectExact(chunks, 299);
      const minimum = Math.ceil(300 / 7);
      expect(node.seen.getLogs).toBeLessThanOrEqual(1.2 * minimum);
      expect(node.seen.maxInFlight).toBeGreaterThan(1);
      expect(tuner.rangeCap).toBe(7);
    } finally {
      await node.close();
    }
  });

  it('sends fewer at once when the provider rate-limits, and still yields every log once', async () => {
    const node = await logNode({ head: 239, latencyMs: 30, maxInFlight: 2 });
    try {
      const tuner = new RangeTuner(8);
      const { chunks, error } = await drain(node.url, 239, tuner);
      expect(error).toBeUndefined();
      expectExact(chunks, 239);
      expect(node.seen.rateLimited).toBeGreaterThan(0);
      expect(node.seen.maxInFlight).toBeLessThanOrEqual(2);
      // AIMD: halving on each rate limit keeps it near what the provider allows (30 chunks; a fixed 6 in flight
      // would have most of them refused at least once).
      expect(node.seen.rateLimited).toBeLessThanOrEqual(30 / 4);
      // A rate limit is not a range limit: the span is untouched.
      expect(tuner.span).toBe(8);
    } finally {
      await node.close();
    }
  });

  it('under a result cap, sends density-sized requests one at a time: a blind one in parallel is refused alike', async () => {
    // Bursty: 0–17 logs a block (as the fault suite's histories), 40 logs at most per reply.
    const logsPerBlock = Array.from(
      { length: 300 },
      (_, n) => (n % 4 === 3 ? 0 : (n * 7919) % 13) + (n % 23 === 0 ? 9 : 0)
    );
    const node = await logNode({ head: 299, latencyMs: 20, logsPerBlock, maxResults: 40 });
    try {
      const tuner = new RangeTuner(10_000);
      const { chunks, error } = await drain(node.url, 299, tuner);
      expect(error).toBeUndefined();
      expectExact(chunks, 299, logsPerBlock);
      expect(node.seen.maxInFlight).toBe(1);
      const minimum = fewestUnderResultCap(logsPerBlock, 40);
      expect(node.seen.getLogs).toBeLessThanOrEqual(1.6 * minimum);
    } finally {
      await node.close();
    }
  });

  it('under a result cap, goes parallel again where the spans hold far fewer logs than the cap', async () => {
    // 60 dense blocks (the cap is learnt), then 600 blocks with a log every tenth one; spans of at most 20 blocks.
    const logsPerBlock = Array.from({ length: 660 }, (_, n) => (n < 60 ? 5 : n % 10 === 0 ? 1 : 0));
    const node = await logNode({ head: 659, latencyMs: 20, logsPerBlock, maxResults: 40 });
    try {
      const tuner = new RangeTuner(20);
      const { chunks, error } = await drain(node.url, 659, tuner);
      expect(error).toBeUndefined();
      expectExact(chunks, 659, logsPerBlock);
      expect(node.seen.maxInFlight).toBeGreaterThan(1);
    } finally {
      await node.close();
    }
  });

  it('yields every chunk before one that fails for good, in order, then throws its error', async () => {
    const node = await logNode({ head: 399, latencyMs: 10, brokenFrom: 205 });
    try {
      const { chunks, error } = await drain(node.url, 399, new RangeTuner(10));
      expect(error?.message).toContain('internal node failure');
      expectExact(chunks, 199);
    } finally {
      await node.close();
    }
  });
});

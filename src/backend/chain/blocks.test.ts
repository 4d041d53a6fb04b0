/** @jest-environment node */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { BlockClock, HeaderCache, searchProbes } from './blocks';
import { RpcPool } from './rpc';

/** A node serving only headers of a synthetic chain whose block i has timestamp timestamps[i]. */
async function headerServer(timestamps: number[]) {
  let httpRequests = 0;
  const header = (tag: string) => {
    const n = tag === 'latest' ? timestamps.length - 1 : Number(tag);
    return n < timestamps.length
      ? {
          number: `0x${n.toString(16)}`,
          hash: `0x${n.toString(16).padStart(64, '0')}`,
          timestamp: `0x${timestamps[n].toString(16)}`,
        }
      : null;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      httpRequests++;
      const body = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
      const answer = (r: { id: number; params: string[] }) => ({
        jsonrpc: '2.0',
        id: r.id,
        result: header(r.params[0]),
      });
      const reply = Array.isArray(body) ? body.map(answer) : answer(body as { id: number; params: string[] });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => httpRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The answer by definition: highest block with timestamp ≤ t. */
const bruteForce = (timestamps: number[], t: number) => timestamps.filter((ts) => ts <= t).length - 1;

describe('BlockClock.blockAtOrBefore', () => {
  it('finds the exact block on a regular chain in a couple of requests', async () => {
    const timestamps = Array.from({ length: 100_000 }, (_, i) => 1_700_000_000 + 12 * i);
    const server = await headerServer(timestamps);
    try {
      const clock = new BlockClock(new RpcPool({ urls: [server.url] }));
      for (const t of [1_700_000_000 + 12 * 54_321 + 5, 1_700_000_000 + 12 * 777, 1_700_000_000 + 12 * 99_998 + 11]) {
        const before = server.requests();
        expect(await clock.blockAtOrBefore(t)).toBe(bruteForce(timestamps, t));
        // head (first time only), genesis (first time only) and one probe round
        expect(server.requests() - before).toBeLessThanOrEqual(3);
      }
    } finally {
      await server.close();
    }
  });

  it('is exact on an irregular chain (bursts, equal timestamps, long gaps) and stays logarithmic', async () => {
    let state = 42;
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const timestamps: number[] = [1_600_000_000];
    for (let i = 1; i < 200_000; i++) {
      const r = random();
      const step = r < 0.3 ? 0 : r < 0.9 ? 2 : r < 0.99 ? 30 : 5_000;
      timestamps.push(timestamps[i - 1] + step);
    }
    const server = await headerServer(timestamps);
    try {
      const clock = new BlockClock(new RpcPool({ urls: [server.url] }), { cacheSize: 64 });
      const last = timestamps[timestamps.length - 1];
      const targets = [timestamps[0] - 1, timestamps[0], last, last + 100];
      for (let i = 0; i < 40; i++) {
        targets.push(timestamps[0] + Math.floor(random() * (last - timestamps[0])));
      }
      for (const t of targets) {
        const before = server.requests();
        expect(await clock.blockAtOrBefore(t)).toBe(bruteForce(timestamps, t));
        // head and genesis (first search only) + one batch per round; the grid alone shrinks the bracket 8× a round
        expect(server.requests() - before).toBeLessThanOrEqual(
          2 + Math.ceil(Math.log(timestamps.length) / Math.log(8))
        );
      }
    } finally {
      await server.close();
    }
  });

  it('maps a time range to the blocks inside it', async () => {
    const timestamps = [100, 110, 110, 120, 150, 160];
    const server = await headerServer(timestamps);
    try {
      const clock = new BlockClock(new RpcPool({ urls: [server.url] }));
      expect(await clock.blockRange(110, 150)).toEqual({ fromBlock: 1, toBlock: 4 });
      expect(await clock.blockRange(111, 119)).toBeNull();
      expect(await clock.blockRange(0, 99)).toBeNull();
      expect(await clock.blockRange(0, 100)).toEqual({ fromBlock: 0, toBlock: 0 });
      expect(await clock.blockRange(155, 10_000)).toEqual({ fromBlock: 5, toBlock: 5 });
      expect(await clock.blockRange(150, 100)).toBeNull();
      await expect(clock.blockAtOrBefore(Number.NaN)).rejects.toThrow('not a time: NaN');
    } finally {
      await server.close();
    }
  });
});

describe('BlockClock cache', () => {
  it('keeps the newest remembered blocks and evicts the oldest once it is full', async () => {
    const timestamps = Array.from({ length: 200 }, (_, i) => 1_000 + 2 * i);
    const server = await headerServer(timestamps);
    try {
      const clock = new BlockClock(new RpcPool({ urls: [server.url] }), { cacheSize: 16 });
      for (let block = 0; block < 200; block++) {
        clock.remember(block, timestamps[block]);
      }
      const newest = Array.from({ length: 12 }, (_, i) => 188 + i);
      expect([...(await clock.timestampsOf(newest)).values()]).toEqual(newest.map((block) => timestamps[block]));
      expect(server.requests()).toBe(0);
      expect((await clock.timestampsOf([0])).get(0)).toBe(timestamps[0]);
      expect(server.requests()).toBe(1);
    } finally {
      await server.close();
    }
  });
  it('forgets a block and its successors when the same height comes back with another hash, in any hex case', async () => {
    const timestamps = Array.from({ length: 20 }, (_, i) => 1_000 + 2 * i);
    const server = await headerServer(timestamps);
    const hash = (n: number, fork = 0) => `0x${fork.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, 'a')}`;
    try {
      const clock = new BlockClock(new RpcPool({ urls: [server.url] }), { cacheSize: 16 });
      for (let block = 5; block < 10; block++) {
        clock.remember(block, 500 + block, hash(block));
      }
      // Same block, its hash in upper case, and a hash that is no 32-byte hex: kept as it was.
      clock.remember(7, 999, hash(7).toUpperCase().replace('0X', '0x'));
      clock.remember(7, 999, '0xnot-a-hash');
      expect([...(await clock.timestampsOf([5, 6, 7, 8, 9])).values()]).toEqual([505, 506, 507, 508, 509]);
      expect(server.requests()).toBe(0);
      // Block 7 on another fork: 7, 8 and 9 are forgotten (8 and 9 are asked of the node again), 5 and 6 kept.
      clock.remember(7, 700, hash(7, 1));
      const after = await clock.timestampsOf([5, 6, 7, 8, 9]);
      expect([5, 6, 7, 8, 9].map((block) => after.get(block))).toEqual([505, 506, 700, timestamps[8], timestamps[9]]);
      expect(server.requests()).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('HeaderCache', () => {
  it('matches a plain ring of slots under random inserts, hash updates and deletions (collisions included)', () => {
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const hashOf = (block: number, fork: number) =>
      `0x${fork.toString(16).padStart(8, '0')}${block.toString(16).padStart(56, '0')}`;
    for (const size of [16, 37, 64]) {
      const cache = new HeaderCache(size);
      // The reference: slot i holds ring[i] (or nothing); the next new block takes slot `next`.
      const ring: Array<{ block: number; timestamp: number; fork?: number } | undefined> = new Array(size);
      let next = 0;
      const wrong: string[] = [];
      for (let step = 0; step < 20_000; step++) {
        // Blocks from a small range (many hits) and far apart (other hash homes, block numbers past 2^32).
        const block = random(3) === 0 ? random(4 * size) : random(2) * 2 ** 33 + random(1_000_000);
        const op = random(50);
        if (op === 0) {
          cache.deleteFrom(block);
          ring.forEach((entry, i) => entry && entry.block >= block && (ring[i] = undefined));
        } else {
          const fork = random(3) === 0 ? undefined : random(2);
          const at = ring.findIndex((entry) => entry?.block === block);
          const expectDiffers =
            at >= 0 && fork !== undefined && ring[at]!.fork !== undefined && ring[at]!.fork !== fork;
          // Another hash at a cached height is refused and changes nothing.
          if (cache.set(block, step, fork === undefined ? undefined : hashOf(block, fork)) === expectDiffers) {
            wrong.push(`step ${step}: set(${block}) should ${expectDiffers ? 'refuse' : 'accept'} the hash`);
          }
          if (at < 0) {
            ring[next] = { block, timestamp: step, fork };
            next = (next + 1) % size;
          } else {
            ring[at]!.fork ??= fork;
          }
        }
        const probe = random(2) === 0 ? (ring[random(size)]?.block ?? block) : block;
        const expected = ring.find((entry) => entry?.block === probe)?.timestamp;
        if (cache.timestamp(probe) !== expected) {
          wrong.push(`step ${step}: block ${probe} read ${cache.timestamp(probe)}, not ${expected}`);
        }
      }
      const entries = [...cache.entries()].sort((a, b) => a[0] - b[0]);
      const reference = ring
        .flatMap((entry) => (entry ? [[entry.block, entry.timestamp]] : []))
        .sort((a, b) => a[0] - b[0]);
      expect({ size, wrong: wrong.slice(0, 5), entries }).toEqual({ size, wrong: [], entries: reference });
    }
  });
});

describe('searchProbes', () => {
  it('probes the guess and its successor, a spread around it and a grid, all strictly inside the bracket', () => {
    const probes = searchProbes(0, 0, 1_000_000, 12_000_000, 12 * 54_321 + 5);
    expect(probes).toEqual([...probes].sort((a, b) => a - b));
    expect(probes).toEqual(expect.arrayContaining([54_321, 54_322, 125_000, 500_000, 875_000]));
    expect(probes.every((b) => b > 0 && b < 1_000_000)).toBe(true);
    expect(probes.length).toBeLessThanOrEqual(24);
  });

  it('probes every block of a narrow bracket', () => {
    expect(searchProbes(10, 100, 15, 200, 150)).toEqual([11, 12, 13, 14]);
  });
});

// The bench's generated histories against the backend: at a CI size, every window answer (counts, rates,
// ratios, p50/p95/p99, backlog) equals the history's ground truth, computed from the generator's lifecycles,
// over the whole 7 days and over ranges that cut lifecycles apart (a Ready whose Buffered lies before the range,
// a backlog judged mid-history). A correctness test, not a timed one.
import { checkTruth, serve, settingsOf, type Served } from '../../bench/synthetic-rows';
import { PluginHost } from '../../harness/plugin-host';

let host: PluginHost;
const served: Array<{ served: Served; chainId: number }> = [];

beforeAll(async () => {
  served.push({ served: await serve('simple20k', 44_001, 'simple', 5, 20_000), chainId: 44_001 });
  served.push({ served: await serve('buffer10k', 44_002, 'buffer', 6, 10_000), chainId: 44_002 });
  host = await PluginHost.start();
});

afterAll(async () => {
  await host?.shutdown();
  await Promise.all(served.map((s) => s.served.chain.close()));
});

describe('generated histories (Simple 20k events, Buffer 10k with pauses)', () => {
  const settings = () =>
    settingsOf(
      'synthetic-truth',
      served.map((s) => ({ ...s, url: s.served.chain.url }))
    );

  it('answer the ground truth over the last 7 days', async () => {
    const result = await checkTruth(
      host,
      settings(),
      served.map((s) => s.served),
      '7 days'
    );
    expect(result.checked).toBe(2 * 15);
    expect(result.wrong).toEqual([]);
  });

  it.each([
    ['the last 24 h', 86_400_000, 0],
    ['one hour in the middle', 3_600_000, 3 * 86_400_000],
    ['ten minutes two days back', 600_000, 2 * 86_400_000 + 1234],
  ])('answer the ground truth over %s', async (_, spanMs, endBackMs) => {
    const toMs = Date.now() - endBackMs;
    const result = await checkTruth(
      host,
      settings(),
      served.map((s) => s.served),
      'range',
      { fromMs: toMs - spanMs, toMs }
    );
    expect(result.wrong).toEqual([]);
  });

  it('have the lifecycle mix the bench claims', () => {
    const [simple, buffer] = served.map((s) => s.served.history);
    const failures = new Set(Array.from(simple.reason.filter((_, i) => simple.kind[i] === 2)));
    expect(failures.size).toBe(2); // both reasons
    expect(Array.from(simple.dependsOn).filter((d) => d >= 0).length).toBeGreaterThan(100);
    expect(buffer.pauses.length).toBeGreaterThan(0);
    const neverReady = simple.bufferedAt.filter((t, tx) => !Number.isFinite(simple.readyAt[tx]) && t > 0).length;
    expect(neverReady).toBeGreaterThan(0); // never ready: expiries, failures, pending at the head
  });
});

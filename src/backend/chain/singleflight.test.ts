/** @jest-environment node */
import { singleFlight } from './singleflight';

describe('singleFlight', () => {
  it('shares one run among concurrent callers of the same key, and starts anew once it settles', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = singleFlight(async (key: string) => {
      runs++;
      await gate;
      return `${key}:${runs}`;
    });
    const concurrent = Array.from({ length: 50 }, () => load('a'));
    const other = load('b');
    release();
    expect(new Set(await Promise.all(concurrent))).toEqual(new Set(['a:2']));
    expect(await other).toBe('b:2');
    expect(runs).toBe(2);
    expect(await load('a')).toBe('a:3');
  });

  it('shares a failure and lets the next call retry', async () => {
    let runs = 0;
    const flaky = singleFlight(async (_key: number) => {
      runs++;
      if (runs === 1) {
        throw new Error('first run fails');
      }
      return runs;
    });
    const results = await Promise.allSettled([flaky(1), flaky(1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await flaky(1)).toBe(2);
  });
});

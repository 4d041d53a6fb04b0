/** @jest-environment node */
import { RangeTuner } from './getlogs';

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

  it("sizes each request by the last reply's log density once the provider named its result cap", () => {
    const tuner = new RangeTuner(10_000);
    const suggestion = { fromBlock: 0, toBlock: 2499 };
    expect(tuner.rejected('too_many_results', 10_000, { maxResults: 1000, suggestedRange: suggestion })).toBe(2500);
    tuner.succeeded(2500, 1000);
    expect(tuner.span).toBe(2250);
    tuner.succeeded(2250, 100);
    expect(tuner.span).toBe(10_000);
  });

  it('learns a result cap from the reply to the range a provider suggested', () => {
    const tuner = new RangeTuner(10_000);
    expect(tuner.rejected('too_many_results', 10_000, { suggestedRange: { fromBlock: 0, toBlock: 399 } })).toBe(400);
    tuner.succeeded(400, 800);
    expect(tuner.span).toBe(360);
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

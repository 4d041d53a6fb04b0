/** @jest-environment node */
import { RangeTuner } from './getlogs';

describe('RangeTuner', () => {
  it('starts at the configured span, halves on a bare range error and remembers it as a cap', () => {
    const tuner = new RangeTuner(1000);
    expect(tuner.span).toBe(1000);
    expect(tuner.rejected('range_too_large', 1000)).toBe(500);
    for (let i = 0; i < 10; i++) {
      tuner.succeeded(tuner.span, 10);
    }
    expect(tuner.span).toBe(500);
  });

  it('adopts a provider span cap and never grows past it', () => {
    const tuner = new RangeTuner(10_000);
    expect(tuner.rejected('range_too_large', 10_000, { maxSpan: 5 })).toBe(5);
    for (let i = 0; i < 10; i++) {
      tuner.succeeded(tuner.span, 10);
    }
    expect(tuner.span).toBe(5);
  });

  it('honours a suggested range and grows back after successes when the limit was on results', () => {
    const tuner = new RangeTuner(4000);
    expect(tuner.rejected('too_many_results', 4000, { suggestedRange: { fromBlock: 100, toBlock: 349 } })).toBe(250);
    const spans: number[] = [];
    for (let i = 0; i < 12; i++) {
      tuner.succeeded(tuner.span, 10);
      spans.push(tuner.span);
    }
    expect(spans).toEqual([250, 250, 500, 500, 500, 1000, 1000, 1000, 2000, 2000, 2000, 4000]);
  });

  it('shrinks the span after a reply with more logs than wanted, and grows only while density allows', () => {
    const tuner = new RangeTuner(10_000, { maxLogsPerRequest: 1_000 });
    tuner.succeeded(10_000, 4_000);
    expect(tuner.span).toBe(2_500);
    for (let i = 0; i < 10; i++) {
      tuner.succeeded(2_500, 900);
    }
    expect(tuner.span).toBe(2_500);
    for (let i = 0; i < 3; i++) {
      tuner.succeeded(2_500, 100);
    }
    expect(tuner.span).toBe(5_000);
  });

  it('probes from a small initial span by the density it sees', () => {
    const sparse = new RangeTuner(10_000, { initialSpan: 16 });
    const spans = [sparse.span];
    for (let i = 0; i < 4; i++) {
      sparse.succeeded(sparse.span, 3);
      spans.push(sparse.span);
    }
    expect(spans).toEqual([16, 256, 4_096, 10_000, 10_000]);

    const dense = new RangeTuner(10_000, { initialSpan: 16, maxLogsPerRequest: 2_500 });
    dense.succeeded(16, 1_600); // 100 logs a block
    expect(dense.span).toBe(25);
    dense.succeeded(25, 2_500);
    expect(dense.span).toBe(25);
  });

  it('always narrows, even when the suggestion is not smaller, and bottoms out at one block', () => {
    const tuner = new RangeTuner(8);
    expect(tuner.rejected('too_many_results', 8, { suggestedRange: { fromBlock: 0, toBlock: 99 } })).toBe(7);
    expect(tuner.rejected('too_many_results', 2)).toBe(1);
    expect(tuner.rejected('timeout', 1)).toBe(1);
  });
});

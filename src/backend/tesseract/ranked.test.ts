/** @jest-environment node */
import { Prng } from '../../../devnet/prng';
import { CHUNK_SIZE, RankBits, RankedSequence, SmallColumn, previousSet } from './ranked';

describe('SmallColumn', () => {
  it('reads back every number set, small or not, across chunks that widen and truncations', () => {
    const prng = new Prng(5);
    const column = new SmallColumn();
    let values: number[] = [];
    for (let step = 0; step < 3 * CHUNK_SIZE; step++) {
      if (prng.chance(0.00005) && values.length > 10) {
        const keep = prng.int(0, values.length - 1);
        column.clearFrom(keep);
        values = values.slice(0, keep);
      }
      // Mostly 0 and small numbers; in the second chunk some need 32 bits.
      const chunk = Math.floor(values.length / CHUNK_SIZE);
      const value = prng.chance(0.5)
        ? 0
        : chunk === 1 && prng.chance(0.01)
          ? prng.int(0x10000, 0xffffffff)
          : prng.int(1, 0xffff);
      column.set(values.length, value);
      values.push(value);
    }
    const wrong = values.filter((value, position) => column.get(position) !== value).length;
    expect({ wrong, past: column.get(values.length) }).toEqual({ wrong: 0, past: 0 });
  });
});

describe('RankedSequence', () => {
  // Queried often (blocks built as they seal) and rarely (many merges of blocks not built yet between queries).
  it.each([97, 1999])(
    'counts below a value and selects the k-th smallest of any range, across merges and truncations (a query every %i appends)',
    (every) => {
      const prng = new Prng(3);
      const sequence = new RankedSequence();
      let values: number[] = [];
      for (let step = 0; step < 6000; step++) {
        if (prng.chance(0.002) && values.length > 10) {
          const keep = prng.int(0, values.length - 1);
          sequence.truncate(keep);
          values = values.slice(0, keep);
        }
        // Mostly clustered values, some far apart (the top of the range included).
        const value = prng.chance(0.05)
          ? prng.pick([0, 0xffffffff, prng.int(0, 2 ** 31)])
          : 1_700_000_000 + prng.int(0, 500);
        sequence.push(value);
        values.push(value);
        if (step % every === 0) {
          const from = prng.int(0, values.length - 1);
          const to = prng.int(from + 1, values.length);
          const range = values.slice(from, to);
          const sorted = [...range].sort((a, b) => a - b);
          const k = prng.int(0, range.length - 1);
          const v = prng.pick(range) + prng.int(-1, 1);
          expect([sequence.length, sequence.select(from, to, k), sequence.countLess(from, to, v)]).toEqual([
            values.length,
            sorted[k],
            range.filter((x) => x < v).length,
          ]);
        }
      }
    }
  );
});

describe('RankBits', () => {
  it('ranks set positions, finds the previous one in any of several, and truncates', () => {
    const odd = new RankBits();
    const tens = new RankBits();
    for (let p = 0; p < 1000; p++) {
      if (p % 2 === 1) {
        odd.set(p);
      }
      if (p % 10 === 0) {
        tens.set(p);
      }
    }
    expect([odd.rank(0), odd.rank(64), odd.rank(65), odd.rank(1000), odd.count]).toEqual([0, 32, 32, 500, 500]);
    expect([previousSet([tens], 0, 999), previousSet([odd, tens], 0, 990), previousSet([tens], 991, 999)]).toEqual([
      990, 989, -1,
    ]);
    odd.truncate(100);
    expect([odd.count, odd.rank(1000), previousSet([odd], 0, 1000)]).toEqual([50, 50, 99]);
  });
});

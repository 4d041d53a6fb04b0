/**
 * Binary search over keys that never decrease with position (block numbers of an index, block times, sorted
 * samples): the first position in [0, length) whose key is ≥ target, or > target when `after`; length if none.
 */
export function firstPosition(
  length: number,
  keyAt: (position: number) => number,
  target: number,
  after = false
): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const key = keyAt(mid);
    if (after ? key <= target : key < target) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

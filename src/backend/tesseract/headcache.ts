/**
 * Answers read at one chain head, by request. Every contract read is a pure function of the block, so an
 * answer holds until the head's hash changes, which empties the cache; past `maxEntries` the least recently
 * used answer goes.
 */
export class HeadCache<V> {
  private headHash?: string;
  /** Insertion-ordered: a hit moves its entry to the end, so the first entry is the least recently used. */
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(headHash: string, key: string): V | undefined {
    this.moveTo(headHash);
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(headHash: string, key: string, value: V): void {
    this.moveTo(headHash);
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) {
        this.entries.delete(oldest);
      }
    }
  }

  /** Forgets one answer, unless the head moved on since (then it is gone already). */
  delete(headHash: string, key: string): void {
    if (headHash === this.headHash) {
      this.entries.delete(key);
    }
  }

  clear(): void {
    this.entries.clear();
    this.headHash = undefined;
  }

  private moveTo(headHash: string): void {
    if (headHash !== this.headHash) {
      this.entries.clear();
      this.headHash = headHash;
    }
  }
}

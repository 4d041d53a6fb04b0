/** One kind of answer kept in a HeadScope, typed by its value, with its own bound. */
export class HeadPart<V> {
  /** Ties the part to its value type (no runtime field). */
  declare private readonly valueType?: V;

  constructor(
    readonly name: string,
    readonly maxEntries: number
  ) {}
}

/**
 * What is kept per head block for one deployment, under one rule: an answer holds while the head's hash
 * stays, and the whole scope empties when it changes (contract reads are pure functions of the block; what
 * is derived from the event table changes only when a new head is synced). Each part keeps at most its
 * `maxEntries`, the least recently used going first.
 */
export class HeadScope {
  private headHash?: string;
  /** Insertion-ordered: a hit moves its entry to the end, so the first entry is the least recently used. */
  private readonly parts = new Map<HeadPart<unknown>, Map<string, unknown>>();

  /** The head whose answers the scope holds: the one last read at or synced. */
  get current(): string | undefined {
    return this.headHash;
  }

  /** Makes `headHash` the current head, emptying the scope when it is another. */
  enter(headHash: string): void {
    if (headHash !== this.headHash) {
      this.parts.clear();
      this.headHash = headHash;
    }
  }

  /** An answer read at `headHash`; asking at another head than the current one moves the scope there. */
  get<V>(part: HeadPart<V>, headHash: string, key: string): V | undefined {
    this.enter(headHash);
    const entries = this.parts.get(part);
    if (!entries?.has(key)) {
      return undefined;
    }
    const value = entries.get(key);
    entries.delete(key);
    entries.set(key, value);
    return value as V;
  }

  /** Keeps an answer read at `headHash`; one for a head the scope has left since (a late reply) is dropped. */
  set<V>(part: HeadPart<V>, headHash: string, key: string, value: V): void {
    if (headHash !== this.headHash) {
      return;
    }
    let entries = this.parts.get(part);
    if (!entries) {
      entries = new Map();
      this.parts.set(part, entries);
    }
    entries.delete(key);
    entries.set(key, value);
    if (entries.size > part.maxEntries) {
      entries.delete(entries.keys().next().value as string);
    }
  }

  /** Forgets an answer that turned out unusable (a failed read), unless the head moved on or it was replaced since. */
  forget<V>(part: HeadPart<V>, headHash: string, key: string, value: V): void {
    const entries = this.parts.get(part);
    if (headHash === this.headHash && entries?.get(key) === value) {
      entries.delete(key);
    }
  }

  /**
   * The value of `key` computed once for the current head: for values that are a function of their key alone
   * (a revert reason of its data, an aggregate of the event table's version), kept no longer than the head.
   * Without a current head it is computed and not kept.
   */
  rememberForHead<V>(part: HeadPart<V>, key: string, compute: () => V): V {
    const headHash = this.headHash;
    if (headHash === undefined) {
      return compute();
    }
    const entries = this.parts.get(part);
    if (entries?.has(key)) {
      return this.get(part, headHash, key) as V;
    }
    const value = compute();
    this.set(part, headHash, key, value);
    return value;
  }

  /** Answers held in one part. */
  size<V>(part: HeadPart<V>): number {
    return this.parts.get(part)?.size ?? 0;
  }

  clear(): void {
    this.parts.clear();
    this.headHash = undefined;
  }
}

/** What PinnedReads needs of the log index: which blocks it holds by hash, and when a reorg drops some. */
export interface BlockHolder {
  holds(block: number, hash: string): boolean;
  onRollback(listener: (fromBlock: number) => void): () => void;
}

/**
 * Chain state read at a block and kept past that head (e.g. a final contract state), valid only while the
 * index holds that block by hash: an entry is taken only when it does, and dropped when a reorg rolls the
 * index back to or below the block it was read at.
 */
export class PinnedReads<V> {
  private readonly entries = new Map<string, { value: V; block: number }>();
  private readonly unsubscribe: () => void;

  constructor(private readonly holder: BlockHolder) {
    this.unsubscribe = holder.onRollback((fromBlock) => {
      for (const [key, entry] of this.entries) {
        if (entry.block >= fromBlock) {
          this.entries.delete(key);
        }
      }
    });
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Keeps `value` as read at block `block` with `hash`; false (nothing kept) when the index does not hold it. */
  set(key: string, value: V, block: number, hash: string): boolean {
    if (!this.holder.holds(block, hash)) {
      return false;
    }
    this.entries.set(key, { value, block });
    return true;
  }

  dispose(): void {
    this.entries.clear();
    this.unsubscribe();
  }
}

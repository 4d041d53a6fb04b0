import type { Deployment } from './deployment';
import type { TesseractEvent } from './events';
import type { EventTable } from './eventtable';

/** What changed in a deployment's index since the previous update. */
export interface FeedUpdate {
  /** Events first seen, in chain order. */
  added: TesseractEvent[];
  /** Events seen earlier that a reorg dropped (they may come back in `added` from the new branch). */
  retracted: TesseractEvent[];
  /** First block the reorg replaced, when there was one. */
  reorgFromBlock?: number;
  headBlock: number;
  /** The index after the update (valid during the call). */
  events: EventTable;
}

export interface FeedListener {
  update(update: FeedUpdate): void;
  /** The poll failed (`text`) or recovered (`recovered`): said once per change, not once per poll. */
  notice(notice: { severity: 'warning' | 'info'; text: string }): void;
}

/** How often a watched deployment is brought to its head. Syncs made by queries in between count too. */
export const LIVE_POLL_MS = 1000;

const feeds = new WeakMap<Deployment, LiveFeed>();

/**
 * The live view of one deployment's log index: one poller for every subscriber, running only while there
 * is one. Each sync (the poller's or a query's) is turned into an update: the events appended since the last
 * one, and the events a reorg dropped. Events at or below the confirmed block are final and forgotten; the
 * feed keeps only the unconfirmed tail it may have to retract.
 */
export class LiveFeed {
  private readonly listeners = new Set<FeedListener>();
  /** Table length already reported; undefined until the first sync after the feed started. */
  private seen?: number;
  /** Reported events above the confirmed block, in chain order. */
  private tail: TesseractEvent[] = [];
  private rolledBackFrom?: number;
  private stopRollbackWatch?: () => void;
  private stopDropWatch?: () => void;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private failing?: string;
  private disposed = false;

  private constructor(
    readonly deployment: Deployment,
    private readonly pollMs: number
  ) {}

  /** The deployment's feed (one per deployment). */
  static of(deployment: Deployment, pollMs = LIVE_POLL_MS): LiveFeed {
    let feed = feeds.get(deployment);
    if (!feed) {
      feed = new LiveFeed(deployment, pollMs);
      feeds.set(deployment, feed);
    }
    return feed;
  }

  /** The feed of a deployment, if one was ever asked for (for the sync hook: no feed, nothing to do). */
  static existing(deployment: Deployment): LiveFeed | undefined {
    return feeds.get(deployment);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Adds a listener; the first one starts the poller. Returns the unsubscribe (the last one stops it). */
  subscribe(listener: FeedListener): () => void {
    if (this.disposed) {
      throw new Error('the deployment was disposed');
    }
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this.start();
    }
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) {
        this.stop();
      }
    };
  }

  /** Reports what the latest sync changed; called after every sync of the deployment (see Deployment's onSync). */
  afterSync(): void {
    if (this.listeners.size === 0) {
      return;
    }
    const index = this.deployment.logIndex();
    const events = index.store;
    const { confirmedToBlock, headBlock } = index.stats();
    if (this.seen === undefined) {
      // Where the feed starts: what is indexed now was the query's answer, not news.
      this.seen = events.length;
      this.tail = [];
      for (let i = events.length - 1; i >= 0 && events.blockAt(i) > confirmedToBlock; i--) {
        this.tail.unshift(events.event(i));
      }
      this.rolledBackFrom = undefined;
      return;
    }
    const reorgFromBlock = this.rolledBackFrom;
    this.rolledBackFrom = undefined;
    let retracted: TesseractEvent[] = [];
    if (reorgFromBlock !== undefined) {
      const keep = this.tail.findIndex((event) => event.blockNumber >= reorgFromBlock);
      if (keep >= 0) {
        retracted = this.tail.slice(keep);
        this.tail = this.tail.slice(0, keep);
      }
    }
    const added: TesseractEvent[] = [];
    for (let i = Math.min(this.seen, events.length); i < events.length; i++) {
      added.push(events.event(i));
    }
    this.seen = events.length;
    this.tail = [...this.tail, ...added].filter((event) => event.blockNumber > confirmedToBlock);
    if (added.length === 0 && retracted.length === 0) {
      return;
    }
    const update: FeedUpdate = { added, retracted, reorgFromBlock, headBlock, events };
    for (const listener of [...this.listeners]) {
      listener.update(update);
    }
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.listeners.clear();
  }

  private start(): void {
    this.seen = undefined;
    this.stopRollbackWatch = this.deployment.logIndex().onRollback((fromBlock) => {
      // Rollbacks happen inside a sync; the update after it reports what they dropped.
      this.rolledBackFrom = Math.min(this.rolledBackFrom ?? fromBlock, fromBlock);
      this.seen = Math.min(this.seen ?? 0, this.deployment.logIndex().store.length);
    });
    // Retention moved the positions down: the events already reported are fewer positions in.
    this.stopDropWatch = this.deployment.logIndex().onDrop((count) => {
      this.seen = this.seen === undefined ? undefined : Math.max(0, this.seen - count);
    });
    void this.poll();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopRollbackWatch?.();
    this.stopRollbackWatch = undefined;
    this.stopDropWatch?.();
    this.stopDropWatch = undefined;
    this.seen = undefined;
    this.tail = [];
    this.failing = undefined;
  }

  private async poll(): Promise<void> {
    if (this.polling || this.disposed || this.listeners.size === 0) {
      return;
    }
    this.polling = true;
    try {
      await this.deployment.sync();
      // A sync that reused the last report calls no hook: make sure the feed has its start point.
      this.afterSync();
      if (this.failing !== undefined) {
        this.failing = undefined;
        this.tell({ severity: 'info', text: `${this.deployment.name}: live updates resumed` });
      }
    } catch (error) {
      const text = `${this.deployment.name}: live updates paused: ${error instanceof Error ? error.message : String(error)}`;
      if (text !== this.failing) {
        this.failing = text;
        this.tell({ severity: 'warning', text });
      }
    } finally {
      this.polling = false;
      if (!this.disposed && this.listeners.size > 0) {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.poll(), this.pollMs);
        this.timer.unref?.();
      }
    }
  }

  private tell(notice: { severity: 'warning' | 'info'; text: string }): void {
    for (const listener of [...this.listeners]) {
      listener.notice(notice);
    }
  }
}

import { frameToJSON, type FrameInclude } from './framejson';
import type { Frame } from './frames';

/**
 * Grafana Live streams (plugin protocol v2 `pluginv2.Stream`). Grafana calls SubscribeStream for each
 * subscription to a channel `ds/<datasource uid>/<path>` of this data source, and RunStream once per channel
 * while it has subscribers: every packet RunStream sends (JSON, usually a data frame) goes to all of them.
 * Grafana cancels RunStream when the channel has had no subscriber for a while; when RunStream ends with an
 * error it calls it again (backing off), and when it ends without one the stream is over.
 */

export type StreamStatus = 'OK' | 'NOT_FOUND' | 'PERMISSION_DENIED';

/** What SubscribeStream and RunStream receive. */
export interface StreamRequest {
  /** The channel path below `ds/<uid>/`. */
  path: string;
  /** Optional JSON payload of the subscription, parsed (undefined when absent). */
  data: unknown;
  headers: Record<string, string>;
}

export interface SubscribeStreamResult {
  status: StreamStatus;
  /** JSON sent to the subscriber on success, e.g. `frameToJSON(frame, 'schema')`. */
  initialData?: Uint8Array;
}

/** The part of a gRPC server stream a sender writes to. */
export interface PacketWriter {
  /** false when the transport's buffer is full (wait for 'drain'). */
  write(packet: { data: Buffer }): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export interface StreamSenderOptions {
  /** Packets held while the transport is full; beyond it the oldest are dropped. */
  maxQueued?: number;
  /** The packet to send ahead of the first one after drops, telling the subscriber how many it missed. */
  dropNotice?: (dropped: number) => Uint8Array;
}

export const DEFAULT_MAX_QUEUED_PACKETS = 256;

/**
 * Sends packets on one RunStream call. A reader slower than the packets fills the transport; the sender
 * then keeps at most `maxQueued` packets and drops the oldest (counting them), so it never blocks its
 * caller and its memory stays bounded. Once the reader catches up it first gets the drop notice.
 */
export class StreamSender {
  private readonly queue: Buffer[] = [];
  private waiting = false;
  private closed = false;
  private droppedTotal = 0;
  private droppedUnreported = 0;
  private readonly maxQueued: number;
  private dropNotice?: (dropped: number) => Uint8Array;

  constructor(
    private readonly writer: PacketWriter,
    options: StreamSenderOptions = {}
  ) {
    this.maxQueued = Math.max(1, options.maxQueued ?? DEFAULT_MAX_QUEUED_PACKETS);
    this.dropNotice = options.dropNotice;
  }

  /** Sets the packet sent ahead of the first one after drops (see StreamSenderOptions.dropNotice). */
  onDrops(notice: (dropped: number) => Uint8Array): void {
    this.dropNotice = notice;
  }

  /** Encodes the frame as Grafana's frame JSON and sends it. */
  sendFrame(frame: Frame, include: FrameInclude = 'all'): void {
    this.sendBytes(frameToJSON(frame, include));
  }

  /** Sends prepared bytes (e.g. one encoding shared by several streams). Never blocks. */
  sendBytes(bytes: Uint8Array): void {
    if (this.closed) {
      return;
    }
    const packet = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    if (this.waiting) {
      if (this.queue.length >= this.maxQueued) {
        this.queue.shift();
        this.droppedTotal++;
        this.droppedUnreported++;
      }
      this.queue.push(packet);
      return;
    }
    this.write(packet);
  }

  /** Packets dropped so far because the reader was too slow. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Packets waiting for the transport. */
  get queued(): number {
    return this.queue.length;
  }

  /** Stops sending; queued packets are discarded. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private write(packet: Buffer): void {
    if (!this.writer.write({ data: packet })) {
      this.waiting = true;
      this.writer.once('drain', () => this.flush());
    }
  }

  private flush(): void {
    this.waiting = false;
    if (this.closed) {
      return;
    }
    if (this.droppedUnreported > 0 && this.dropNotice) {
      const notice = this.dropNotice(this.droppedUnreported);
      this.droppedUnreported = 0;
      this.write(Buffer.from(notice));
    }
    while (!this.waiting && this.queue.length > 0) {
      this.write(this.queue.shift()!);
    }
  }
}

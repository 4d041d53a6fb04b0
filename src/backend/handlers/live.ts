import {
  QueryError,
  frameToJSON,
  numberField,
  stringField,
  timeField,
  type Field,
  type Frame,
  type RequestContext,
  type StreamRequest,
  type StreamSender,
  type SubscribeStreamResult,
} from '../grafana';
import { METRICS, type EventsQuery, type MetricName, type MetricsQuery } from '../../query';
import type { Deployment } from '../tesseract/deployment';
import { EventKind, type EventKindCode, type TesseractEvent } from '../tesseract/events';
import type { EventTable } from '../tesseract/eventtable';
import { packTxId } from '../tesseract/hex';
import { LiveFeed, type FeedUpdate } from '../tesseract/livefeed';
import { forEachDeployment, withNotices, type HandlerContext } from './common';
import { eventsQuery, eventsTable } from './events';

/**
 * Live queries over Grafana Live. The query answers as usual plus `meta.channel` = `ds/<uid>/<path>`;
 * Grafana's frontend (DataSourceWithBackend) then subscribes to that channel and appends what RunStream
 * pushes. The path holds the filters (never a secret), so the channel is the same for every panel with
 * the same filters, and a restarted backend can serve it again from the path alone.
 */

/** What a channel streams: the filters of an events query, or the counters of a metrics query. */
export interface LiveFilter {
  kind: 'events' | 'metrics';
  deployments: string[];
  eventNames: string[];
  /** bytes32 hex, lower case. */
  txIds: string[];
  /** Addresses, lower case. */
  originRollup?: string;
  targetRollup?: string;
  reasonContains?: string;
  metrics: MetricName[];
}

/** Grafana's channel ids are at most this long (grafana-plugin-sdk-go live.ParseChannel). */
export const MAX_CHANNEL_LENGTH = 160;
const PATH_VERSION = 'v1';

/**
 * Row status of a live events frame: an event first seen, an event a reorg dropped, a gap (updates this
 * subscriber missed) or a notice (the RPC failing or back), the last two with only time, chain and text.
 */
export type LiveStatus = 'seen' | 'retracted' | 'dropped' | 'notice';

const b64 = (bytes: Buffer) => bytes.toString('base64url');
const text64 = (value: string) => b64(Buffer.from(value, 'utf8'));
const hex64 = (value: string) => b64(Buffer.from(value.replace(/^0x/i, ''), 'hex'));
const unText64 = (value: string) => Buffer.from(value, 'base64url').toString('utf8');
const unHex64 = (value: string) => `0x${Buffer.from(value, 'base64url').toString('hex')}`;

const canonical = (values: readonly string[]) => [...new Set(values)].sort();

/**
 * The channel path of a filter: `v1/<kind>` then `key=item.item` segments, each item base64url (text as
 * UTF-8, hex as bytes), lists sorted, so equal filters give equal paths. Only characters Grafana allows
 * in a path (`[A-Za-z0-9_\-/=.]`).
 */
export function channelPath(filter: LiveFilter): string {
  const segments = [PATH_VERSION, filter.kind];
  const add = (key: string, items: string[]) => {
    if (items.length > 0) {
      segments.push(`${key}=${items.join('.')}`);
    }
  };
  add('d', canonical(filter.deployments).map(text64));
  if (filter.kind === 'metrics') {
    add('m', canonical(filter.metrics).map(text64));
  } else {
    add('e', canonical(filter.eventNames).map(text64));
    add('t', canonical(filter.txIds.map((txId) => txId.toLowerCase())).map(hex64));
    add('o', filter.originRollup ? [hex64(filter.originRollup)] : []);
    add('g', filter.targetRollup ? [hex64(filter.targetRollup)] : []);
    add('r', filter.reasonContains ? [text64(filter.reasonContains)] : []);
  }
  return segments.join('/');
}

/** The filter of a channel path; undefined when the path is not one of ours. */
export function parseChannelPath(path: string): LiveFilter | undefined {
  const [version, kind, ...segments] = path.split('/');
  if (version !== PATH_VERSION || (kind !== 'events' && kind !== 'metrics')) {
    return undefined;
  }
  const filter: LiveFilter = { kind, deployments: [], eventNames: [], txIds: [], metrics: [] };
  for (const segment of segments) {
    const match = /^([a-z])=([A-Za-z0-9_.-]+)$/.exec(segment);
    if (!match) {
      return undefined;
    }
    const items = match[2].split('.');
    switch (match[1]) {
      case 'd':
        filter.deployments = items.map(unText64);
        break;
      case 'm':
        filter.metrics = items.map(unText64) as MetricName[];
        break;
      case 'e':
        filter.eventNames = items.map(unText64);
        break;
      case 't':
        filter.txIds = items.map(unHex64);
        break;
      case 'o':
        filter.originRollup = unHex64(items[0]);
        break;
      case 'g':
        filter.targetRollup = unHex64(items[0]);
        break;
      case 'r':
        filter.reasonContains = unText64(items[0]);
        break;
      default:
        return undefined;
    }
  }
  return filter;
}

function filterOfQuery(query: EventsQuery | MetricsQuery): LiveFilter {
  if (query.queryType === 'metrics') {
    return { kind: 'metrics', deployments: query.deployments, eventNames: [], txIds: [], metrics: query.metrics };
  }
  return {
    kind: 'events',
    deployments: query.deployments,
    eventNames: query.eventNames,
    txIds: query.txIds,
    originRollup: query.originRollup?.toLowerCase() || undefined,
    targetRollup: query.targetRollup?.toLowerCase() || undefined,
    reasonContains: query.reasonContains || undefined,
    metrics: [],
  };
}

/** `ds/<uid>/<path>` of a query; a 400 when the filters do not fit in a channel id. */
export function channelOf(uid: string, query: EventsQuery | MetricsQuery): string {
  const channel = `ds/${uid}/${channelPath(filterOfQuery(query))}`;
  if (channel.length > MAX_CHANNEL_LENGTH) {
    throw new QueryError(
      `live: these filters need a ${channel.length}-character Grafana Live channel, over its limit of ${MAX_CHANNEL_LENGTH}: select fewer tx_ids or event names`,
      { status: 400 }
    );
  }
  return channel;
}

// ---------------------------------------------------------------------------------------------------------
// Frames

function matches(filter: LiveFilter, event: TesseractEvent): boolean {
  const reason = filter.reasonContains?.toLowerCase();
  return (
    (filter.eventNames.length === 0 || filter.eventNames.includes(event.name)) &&
    (filter.txIds.length === 0 ||
      (event.txId !== null && filter.txIds.some((txId) => packTxId(txId) === event.txId))) &&
    (!filter.originRollup || event.origin?.toLowerCase() === filter.originRollup) &&
    (!filter.targetRollup || event.target?.toLowerCase() === filter.targetRollup) &&
    (!reason || (event.reason?.toLowerCase().includes(reason) ?? false))
  );
}

/** The events table with a `status` column, rows oldest first (a stream appends newer rows at the end). */
function liveEventsFrame(rows: Array<{ deployment: Deployment; event: TesseractEvent; status: LiveStatus }>): Frame {
  const table = eventsTable(rows);
  return {
    ...table,
    fields: [
      ...table.fields,
      stringField(
        'status',
        rows.map((row) => row.status)
      ),
    ],
  };
}

function reversed(frame: Frame): Frame {
  return {
    ...frame,
    fields: frame.fields.map((field) => ({ ...field, values: [...field.values].reverse() }) as Field),
  };
}

const COUNTED: Partial<Record<MetricName, EventKindCode>> = {
  buffered: EventKind.Buffered,
  ready: EventKind.Ready,
  failed: EventKind.Failed,
  pauses: EventKind.Pause,
};

/** One row of running totals: a time and one labelled field per deployment × metric. */
function totalsFrame(
  deployments: Array<{ deployment: Deployment; events: EventTable }>,
  metrics: MetricName[],
  ms: number
): Frame {
  const fields: Field[] = [timeField('time', [ms])];
  for (const { deployment, events } of deployments) {
    for (const metric of metrics) {
      const kind = COUNTED[metric];
      fields.push(
        numberField(metric, [kind === undefined ? null : events.countOf(kind)], {
          labels: { ...deployment.labels, metric },
          nullable: true,
          config: {
            unit: 'short',
            displayNameFromDS: `${deployment.name} ${METRICS[metric].label.toLowerCase()} (total)`,
          },
        })
      );
    }
  }
  return { name: 'live totals', meta: { type: 'timeseries-wide', typeVersion: [0, 1] }, fields };
}

/**
 * The QueryData answer of a live query: events of the range oldest first with `status` = seen, or the
 * current totals as the first row of the running series; either with `meta.channel`.
 */
export async function liveQuery(ctx: HandlerContext<EventsQuery | MetricsQuery>, uid: string): Promise<Frame[]> {
  const query = ctx.query;
  const channel = channelOf(uid, query);
  if (query.queryType === 'events') {
    const [table, ...rest] = await eventsQuery({
      ...ctx,
      query: { ...query, format: 'table' },
    } as HandlerContext<EventsQuery>);
    const ascending = reversed(table);
    const rows = ascending.fields[0]?.values.length ?? 0;
    const frame = {
      ...ascending,
      fields: [...ascending.fields, stringField('status', new Array<LiveStatus>(rows).fill('seen'))],
    };
    return [{ ...frame, meta: { ...frame.meta, channel } }, ...rest];
  }
  const { results, notices } = await forEachDeployment(ctx, (deployment, read) => deployment.events(read));
  const frame = totalsFrame(
    results.map(({ deployment, value }) => ({ deployment, events: value })),
    query.metrics,
    Date.now()
  );
  return withNotices([{ ...frame, meta: { ...frame.meta, channel } }], notices, query.refId);
}

// ---------------------------------------------------------------------------------------------------------
// Streams

/**
 * The channels being streamed: one per path, whatever the number of RunStream calls on it (Grafana makes
 * one per channel; a restart or a second Grafana may make more). Each update is turned into one frame,
 * encoded once and sent to every call of the channel. Every deployment has one LiveFeed (one poller). One per
 * instance, so per org and uid, as Grafana Live keeps a channel per org (`<org>/ds/<uid>/<path>`).
 */
export class LiveChannels {
  private readonly channels = new Map<string, Channel>();
  private readonly disposed = new AbortController();

  /** `select` resolves deployment names as queries do (throws a QueryError for unknown ones). */
  constructor(private readonly select: (names: readonly string[]) => Deployment[]) {}

  async subscribe(request: StreamRequest): Promise<SubscribeStreamResult> {
    const filter = parseChannelPath(request.path);
    if (!filter) {
      return { status: 'NOT_FOUND' };
    }
    try {
      this.select(filter.deployments);
    } catch {
      return { status: 'NOT_FOUND' };
    }
    return { status: 'OK' };
  }

  /** Runs until ctx.signal aborts; problems are sent as notices and the stream goes on. */
  async run(request: StreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void> {
    const filter = parseChannelPath(request.path);
    if (!filter) {
      throw new QueryError(`no live channel at ${request.path}`, { status: 404 });
    }
    let channel = this.channels.get(request.path);
    if (!channel) {
      channel = new Channel(filter, this.select(filter.deployments), () => this.channels.delete(request.path));
      this.channels.set(request.path, channel);
    }
    const joined = channel;
    if (filter.kind === 'events') {
      sender.onDrops((dropped) => frameToJSON(joined.gapFrame(dropped), 'data'));
    }
    const leave = joined.join(sender);
    ctx.logger.debug('Live channel joined', { path: request.path, senders: joined.size });
    const signals = [ctx.signal, this.disposed.signal];
    await new Promise<void>((resolve) => {
      for (const signal of signals) {
        if (signal.aborted) {
          resolve();
        }
        signal.addEventListener('abort', () => resolve(), { once: true });
      }
    });
    leave();
    if (this.disposed.signal.aborted && !ctx.signal.aborted) {
      // Not the end of the stream: Grafana calls again, and the new instance serves it.
      throw new QueryError('live: the data source was reloaded', { status: 503 });
    }
  }

  /** Channels open now (for tests and logs). */
  get size(): number {
    return this.channels.size;
  }

  dispose(): void {
    this.disposed.abort();
    for (const channel of [...this.channels.values()]) {
      channel.close();
    }
  }
}

class Channel {
  private readonly senders = new Set<StreamSender>();
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly filter: LiveFilter,
    private readonly deployments: Deployment[],
    private readonly onClose: () => void
  ) {
    for (const deployment of deployments) {
      this.unsubscribes.push(
        LiveFeed.of(deployment).subscribe({
          update: (update) => this.push(deployment, update),
          notice: (notice) => this.notice(deployment, notice.text),
        })
      );
    }
  }

  get size(): number {
    return this.senders.size;
  }

  join(sender: StreamSender): () => void {
    this.senders.add(sender);
    return () => {
      this.senders.delete(sender);
      if (this.senders.size === 0) {
        this.close();
      }
    };
  }

  close(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) {
      unsubscribe();
    }
    this.senders.clear();
    this.onClose();
  }

  /** A row saying the subscriber missed `dropped` updates (it was too slow to read them). */
  gapFrame(dropped: number): Frame {
    return this.noticeFrame(
      `${dropped} live updates dropped: this subscriber read too slowly; refresh to catch up`,
      'dropped'
    );
  }

  private broadcast(frame: Frame): void {
    // Data only: the subscriber has the schema (with refId and channel) from the query's answer.
    const bytes = frameToJSON(frame, 'data');
    for (const sender of this.senders) {
      sender.sendBytes(bytes);
    }
  }

  private push(deployment: Deployment, update: FeedUpdate): void {
    if (this.filter.kind === 'metrics') {
      if (![...update.added, ...update.retracted].some((event) => COUNTED_KINDS.has(event.kind))) {
        return;
      }
      const tables = this.deployments.map((d) => ({
        deployment: d,
        events: d === deployment ? update.events : d.logIndex().store,
      }));
      this.broadcast(totalsFrame(tables, this.filter.metrics, Date.now()));
      return;
    }
    const rows = [
      ...update.retracted
        .filter((event) => matches(this.filter, event))
        .map((event) => ({ deployment, event, status: 'retracted' as const })),
      ...update.added
        .filter((event) => matches(this.filter, event))
        .map((event) => ({ deployment, event, status: 'seen' as const })),
    ];
    if (rows.length > 0) {
      this.broadcast(liveEventsFrame(rows));
    }
  }

  private notice(deployment: Deployment, text: string): void {
    if (this.filter.kind === 'events') {
      this.broadcast(this.noticeFrame(text, 'notice', deployment));
    }
  }

  /** A row with only time, deployment labels, text and status: a message in the stream's own shape. */
  private noticeFrame(text: string, status: LiveStatus, deployment?: Deployment): Frame {
    const table = eventsTable([]);
    const labels = deployment?.labels ?? {};
    const fields = table.fields.map((field): Field => {
      if (field.type === 'time') {
        return { ...field, values: [Date.now()] };
      }
      if (field.name === 'text') {
        return { ...field, values: [text] } as Field;
      }
      if (field.type === 'string') {
        return { ...field, values: [labels[field.name] ?? null], nullable: true };
      }
      return { ...field, values: [null], nullable: true } as Field;
    });
    return { ...table, fields: [...fields, stringField('status', [status])] };
  }
}

const COUNTED_KINDS = new Set<EventKindCode>(Object.values(COUNTED) as EventKindCode[]);

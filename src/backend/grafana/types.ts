import type { Frame } from './frames';
import type { Logger } from './logger';
import type { StreamRequest, StreamSender, SubscribeStreamResult } from './stream';

/** A data source's settings as Grafana stores them, decoded from the request's plugin context. */
export interface InstanceSettings {
  uid: string;
  /** The data source's organisation: Grafana keeps uids unique within an org only, so org and uid name it. */
  orgId: number;
  name: string;
  /** The data source's jsonData, parsed (an empty object when Grafana sends none). */
  jsonData: unknown;
  /** Secrets, already decrypted by Grafana. Never log them or put them in frames. */
  secureJsonData: Record<string, string>;
  /** Changes whenever the data source is saved; a new value recreates the instance. */
  lastUpdatedMS: number;
  url: string;
}

export interface GrafanaUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

/** Per-request context handed to every instance method. */
export interface RequestContext {
  /** True when the alert engine sends the request (header `FromAlert`, any case). */
  fromAlert: boolean;
  /** Request headers as Grafana sends them (forwarded HTTP headers carry an `http_` prefix). */
  headers: Record<string, string>;
  /** Missing when Grafana itself makes the request (alerting, service identity). */
  user?: GrafanaUser;
  orgId: number;
  /** Logger carrying the data source's org and uid (and refId for queries). */
  logger: Logger;
  /** Aborted when Grafana cancels the call. */
  signal: AbortSignal;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface DataQuery {
  refId: string;
  queryType: string;
  timeRange: TimeRange;
  intervalMs: number;
  maxDataPoints: number;
  /** The query model, parsed from the request's JSON bytes (invalid JSON never reaches the instance). */
  json: unknown;
}

export type HealthStatus = 'OK' | 'ERROR' | 'UNKNOWN';

export interface HealthResult {
  status: HealthStatus;
  message: string;
  /** Optional JSON details shown by Grafana (e.g. `{ verboseMessage }`). */
  details?: unknown;
}

export interface ResourceRequest {
  /** Path below the data source's resources URL, without a leading slash (e.g. `contracts`). */
  path: string;
  method: string;
  /** Full URL including the query string. */
  url: string;
  body: Buffer;
  headers: Record<string, string[]>;
}

export interface ResourceResponse {
  status: number;
  headers?: Record<string, string[]>;
  /** A Buffer or string is sent as is; anything else is sent as JSON. */
  body?: unknown;
}

/** What a data source implements; one instance exists per data source uid and settings version. */
export interface DataSourceInstance {
  /** Answers one query. Throw `QueryError` for errors the user should see. */
  query(query: DataQuery, ctx: RequestContext): Promise<Frame[]>;
  checkHealth(ctx: RequestContext): Promise<HealthResult>;
  callResource?(request: ResourceRequest, ctx: RequestContext): Promise<ResourceResponse>;
  /** Grafana Live: may this subscriber join the channel `ds/<uid>/<request.path>`? Streams are read-only. */
  subscribeStream?(request: StreamRequest, ctx: RequestContext): Promise<SubscribeStreamResult>;
  /**
   * Grafana Live: feeds one channel until `ctx.signal` aborts (no subscriber left, or Shutdown). Returning
   * ends the stream for good; throwing makes Grafana call again later. Report trouble as packets instead.
   */
  runStream?(request: StreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void>;
  /** Releases timers and sockets; called when settings change and at shutdown. */
  dispose(): void | Promise<void>;
}

export type InstanceFactory = (
  settings: InstanceSettings,
  logger: Logger
) => DataSourceInstance | Promise<DataSourceInstance>;

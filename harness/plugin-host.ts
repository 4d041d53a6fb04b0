/**
 * Host harness: starts the plugin executable exactly as Grafana does (go-plugin environment, shuffled
 * protocol list, handshake line on stdout, gRPC over 127.0.0.1) and calls every RPC with typed helpers.
 * Frames come back decoded by the SDK's Arrow decoder, logs as parsed hclog lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decodeFrame, type DecodedFrame } from '../src/backend/grafana/frames';
import { INDEX_DIR_ENV } from '../src/backend/tesseract/indexstore';
import {
  pluginPackageDefinition,
  type WireCallResourceResponse,
  type WireCheckHealthResponse,
  type WireCollectMetricsResponse,
  type WireDataSourceInstanceSettings,
  type WirePluginContext,
  type WireQueryDataResponse,
  type WireStreamPacket,
  type WireStreamStatusResponse,
  type WireUser,
} from '../src/backend/grafana/protocol';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const DEFAULT_EXECUTABLE = path.join(REPO_ROOT, 'dist', 'datasource', 'gpx_tesseract_monitor_linux_amd64');
export const PLUGIN_ID = 'tesseract-monitor-datasource';

// ---------------------------------------------------------------------------------------------------------
// Request building

export interface SettingsInput {
  uid: string;
  /** The data source's organisation (default 1): Grafana keeps uids unique within an org only. */
  orgId?: number;
  name?: string;
  url?: string;
  /** An object is sent as JSON; a Buffer is sent as is (to test invalid jsonData). */
  jsonData?: unknown;
  secureJsonData?: Record<string, string>;
  lastUpdatedMS?: number;
}

/** The `pluginContext.dataSourceInstanceSettings` Grafana would send for these settings. */
export function dataSourceSettings(input: SettingsInput): WireDataSourceInstanceSettings {
  return {
    id: 1,
    uid: input.uid,
    name: input.name ?? `Tesseract ${input.uid}`,
    url: input.url ?? '',
    jsonData: Buffer.isBuffer(input.jsonData)
      ? input.jsonData
      : Buffer.from(JSON.stringify(input.jsonData ?? {}), 'utf8'),
    decryptedSecureJsonData: input.secureJsonData ?? {},
    lastUpdatedMS: input.lastUpdatedMS ?? 1_700_000_000_000,
    apiVersion: '',
  };
}

export const ADMIN_USER: WireUser = { login: 'admin', name: 'Admin', email: 'admin@localhost', role: 'Admin' };

/** `user: null` leaves the user out, as alerting does. */
export function pluginContext(settings: SettingsInput, user: WireUser | null = ADMIN_USER): WirePluginContext {
  return {
    orgId: settings.orgId ?? 1,
    pluginId: PLUGIN_ID,
    user,
    dataSourceInstanceSettings: dataSourceSettings(settings),
    grafanaConfig: { GF_APP_URL: 'http://localhost:3000/' },
    pluginVersion: '0.1.0',
    userAgent: 'Grafana/12.4.0 (linux; amd64)',
  };
}

export interface QueryInput {
  refId: string;
  queryType?: string;
  /** The query model; Grafana adds refId, datasource, intervalMs and maxDataPoints. A Buffer is sent raw. */
  json?: unknown;
  timeRange?: { fromMs: number; toMs: number };
  intervalMs?: number;
  maxDataPoints?: number;
}

/** Alerting's defaults (ngalert AlertQuery). */
const DEFAULT_INTERVAL_MS = 1000;
const DEFAULT_MAX_DATA_POINTS = 43200;

function wireQuery(query: QueryInput, settings: SettingsInput) {
  const intervalMs = query.intervalMs ?? DEFAULT_INTERVAL_MS;
  const maxDataPoints = query.maxDataPoints ?? DEFAULT_MAX_DATA_POINTS;
  const now = Date.now();
  const timeRange = query.timeRange ?? { fromMs: now - 3_600_000, toMs: now };
  const json = Buffer.isBuffer(query.json)
    ? query.json
    : Buffer.from(
        JSON.stringify({
          refId: query.refId,
          datasource: { type: PLUGIN_ID, uid: settings.uid },
          ...(query.queryType === undefined ? {} : { queryType: query.queryType }),
          intervalMs,
          maxDataPoints,
          ...(query.json as object | undefined),
        }),
        'utf8'
      );
  return {
    refId: query.refId,
    queryType: query.queryType ?? '',
    maxDataPoints,
    intervalMS: intervalMs,
    timeRange: { fromEpochMS: timeRange.fromMs, toEpochMS: timeRange.toMs },
    json,
  };
}

/** Headers the alert engine sends (ngalert eval.go). */
export function alertingHeaders(ruleUid = 'rule-1'): Record<string, string> {
  return { FromAlert: 'true', 'X-Cache-Skip': 'true', 'X-Rule-Uid': ruleUid, 'X-Grafana-Org-Id': '1' };
}

export interface QueryResult {
  status: number;
  error: string;
  errorSource: string;
  frames: DecodedFrame[];
  /** Size of the encoded frames in bytes. */
  bytes: number;
}

// ---------------------------------------------------------------------------------------------------------
// gRPC client

type GrpcClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const CLIENT_OPTIONS: grpc.ClientOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

function unaryCall<Res>(client: GrpcClient, method: string, request: unknown, timeoutMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + timeoutMs);
    client[method](request, { deadline }, (error: grpc.ServiceError | null, response: Res) =>
      error ? reject(error) : resolve(response)
    );
  });
}

/** A typed gRPC client speaking to a plugin at `address`, the way Grafana does. */
export class PluginClient {
  private readonly clients: Record<
    'data' | 'diagnostics' | 'resource' | 'stream' | 'health' | 'controller',
    GrpcClient
  >;

  constructor(
    readonly address: string,
    readonly callTimeoutMs = 120_000
  ) {
    const loaded = grpc.loadPackageDefinition(pluginPackageDefinition()) as unknown as {
      pluginv2: Record<string, grpc.ServiceClientConstructor>;
      plugin: Record<string, grpc.ServiceClientConstructor>;
      grpc: { health: { v1: Record<string, grpc.ServiceClientConstructor> } };
    };
    const credentials = grpc.credentials.createInsecure();
    const make = (ctor: grpc.ServiceClientConstructor) =>
      new ctor(address, credentials, CLIENT_OPTIONS) as unknown as GrpcClient;
    this.clients = {
      data: make(loaded.pluginv2.Data),
      diagnostics: make(loaded.pluginv2.Diagnostics),
      resource: make(loaded.pluginv2.Resource),
      stream: make(loaded.pluginv2.Stream),
      health: make(loaded.grpc.health.v1.Health),
      controller: make(loaded.plugin.GRPCController),
    };
  }

  async queryDataRaw(request: unknown): Promise<WireQueryDataResponse> {
    return unaryCall(this.clients.data, 'QueryData', request, this.callTimeoutMs);
  }

  /** QueryData with frames decoded per refId. */
  async queryData(request: {
    settings: SettingsInput;
    queries: QueryInput[];
    headers?: Record<string, string>;
    user?: WireUser | null;
  }): Promise<Record<string, QueryResult>> {
    const response = await this.queryDataRaw({
      pluginContext: pluginContext(request.settings, request.user),
      headers: request.headers ?? {},
      queries: request.queries.map((query) => wireQuery(query, request.settings)),
    });
    const results: Record<string, QueryResult> = {};
    for (const [refId, data] of Object.entries(response.responses)) {
      results[refId] = {
        status: data.status,
        error: data.error,
        errorSource: data.errorSource,
        frames: data.frames.map((bytes) => decodeFrame(bytes)),
        bytes: data.frames.reduce((sum, bytes) => sum + bytes.length, 0),
      };
    }
    return results;
  }

  async checkHealth(
    settings: SettingsInput,
    headers: Record<string, string> = {}
  ): Promise<{ status: WireCheckHealthResponse['status']; message: string; details?: unknown }> {
    const response = await unaryCall<WireCheckHealthResponse>(
      this.clients.diagnostics,
      'CheckHealth',
      { pluginContext: pluginContext(settings), headers },
      this.callTimeoutMs
    );
    const details = response.jsonDetails.length ? JSON.parse(response.jsonDetails.toString('utf8')) : undefined;
    return { status: response.status, message: response.message, details };
  }

  async collectMetrics(): Promise<string> {
    const response = await unaryCall<WireCollectMetricsResponse>(
      this.clients.diagnostics,
      'CollectMetrics',
      { pluginContext: { orgId: 1, pluginId: PLUGIN_ID } },
      this.callTimeoutMs
    );
    return response.metrics.prometheus.toString('utf8');
  }

  /** CallResource; collects every stream message like Grafana (first code and headers, all bodies). */
  callResource(
    settings: SettingsInput,
    resourcePath: string,
    options: { method?: string; body?: unknown; headers?: Record<string, string[]>; query?: string } = {}
  ): Promise<{
    status: number;
    headers: Record<string, string[]>;
    body: Buffer;
    json: () => unknown;
    messages: number;
  }> {
    const body =
      options.body === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(options.body)
          ? options.body
          : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, { values: string[] }> = {};
    for (const [name, values] of Object.entries(options.headers ?? {})) {
      headers[name] = { values };
    }
    const request = {
      pluginContext: pluginContext(settings),
      path: resourcePath,
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      url: `/api/datasources/uid/${settings.uid}/resources/${resourcePath}${options.query ? `?${options.query}` : ''}`,
      headers,
      body,
    };
    return new Promise((resolve, reject) => {
      const stream = this.clients.resource.CallResource(request, {
        deadline: new Date(Date.now() + this.callTimeoutMs),
      }) as grpc.ClientReadableStream<WireCallResourceResponse>;
      const messages: WireCallResourceResponse[] = [];
      stream.on('data', (message: WireCallResourceResponse) => messages.push(message));
      stream.on('error', reject);
      stream.on('end', () => {
        if (messages.length === 0) {
          reject(new Error('received empty resource response'));
          return;
        }
        const responseHeaders: Record<string, string[]> = {};
        for (const [name, list] of Object.entries(messages[0].headers)) {
          responseHeaders[name] = list.values;
        }
        const all = Buffer.concat(messages.map((message) => message.body));
        resolve({
          status: messages[0].code,
          headers: responseHeaders,
          body: all,
          json: () => JSON.parse(all.toString('utf8')),
          messages: messages.length,
        });
      });
    });
  }

  /** SubscribeStream as Grafana calls it for each subscriber of `ds/<uid>/<path>`. */
  async subscribeStream(
    settings: SettingsInput,
    path: string,
    data?: unknown
  ): Promise<{ status: WireStreamStatusResponse['status']; data: Buffer }> {
    return unaryCall<WireStreamStatusResponse>(
      this.clients.stream,
      'SubscribeStream',
      { pluginContext: pluginContext(settings), path, data: streamData(data), headers: {} },
      this.callTimeoutMs
    );
  }

  /** PublishStream (the plugin's streams are read-only). */
  async publishStream(settings: SettingsInput, path: string, data: unknown): Promise<WireStreamStatusResponse> {
    return unaryCall<WireStreamStatusResponse>(
      this.clients.stream,
      'PublishStream',
      { pluginContext: pluginContext(settings), path, data: streamData(data), headers: {} },
      this.callTimeoutMs
    );
  }

  /**
   * RunStream as Grafana's live runstream manager calls it, once per channel: every packet is JSON (a data
   * frame), kept in `packets` with its arrival time; `cancel()` is what Grafana does when the channel has
   * no subscriber left; `ended` settles with the call's final status.
   */
  runStream(settings: SettingsInput, path: string, data?: unknown): StreamSubscription {
    const call = this.clients.stream.RunStream({
      pluginContext: pluginContext(settings),
      path,
      data: streamData(data),
      headers: {},
    }) as grpc.ClientReadableStream<WireStreamPacket>;
    return new StreamSubscription(call);
  }

  async healthCheck(service = 'plugin'): Promise<string> {
    const response = await unaryCall<{ status: string }>(this.clients.health, 'Check', { service }, this.callTimeoutMs);
    return response.status;
  }

  async shutdownRpc(): Promise<void> {
    await unaryCall(this.clients.controller, 'Shutdown', {}, 5000);
  }

  close(): void {
    for (const client of Object.values(this.clients)) {
      client.close();
    }
  }
}

function streamData(data: unknown): Buffer {
  return data === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(data), 'utf8');
}

export interface StreamPacketReceived {
  /** Date.now() when the packet arrived. */
  at: number;
  json: { schema?: unknown; data?: { values: unknown[][] } } & Record<string, unknown>;
  bytes: number;
}

/** One RunStream call seen from Grafana's side. */
export class StreamSubscription {
  readonly packets: StreamPacketReceived[] = [];
  /** The call's end: its gRPC status code and details (0 = OK; 1 = CANCELLED after cancel()). */
  readonly ended: Promise<{ code: number; details: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly call: grpc.ClientReadableStream<WireStreamPacket>) {
    call.on('data', (packet: WireStreamPacket) => {
      this.packets.push({ at: Date.now(), json: JSON.parse(packet.data.toString('utf8')), bytes: packet.data.length });
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
    this.ended = new Promise((resolve) => {
      call.on('error', (error: grpc.ServiceError) => resolve({ code: error.code, details: error.details }));
      call.on('status', (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK) {
          resolve({ code: status.code, details: status.details });
        }
      });
    });
    this.ended.then(() => {
      for (const wake of this.waiters.splice(0)) {
        wake();
      }
    });
  }

  /** Resolves with the first packet (from index `from` on) that `test` accepts; rejects after timeoutMs. */
  async waitFor(
    test: (packet: StreamPacketReceived) => boolean,
    timeoutMs = 30_000,
    from = 0
  ): Promise<StreamPacketReceived> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.packets.slice(from).find(test);
      if (found) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no matching stream packet within ${timeoutMs} ms (${this.packets.length} received)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  cancel(): void {
    this.call.cancel();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Process management

export interface HclogLine {
  '@level': string;
  '@message': string;
  '@timestamp'?: string;
  [key: string]: unknown;
}

export interface StartOptions {
  /** Path of the executable; default the built amd64 one. Ignored in dev mode. */
  executable?: string;
  /**
   * A command that starts the executable in place of a direct spawn, e.g. `['chroot', root]`: the
   * executable path is then the one that command sees (inside the root). It must exec, so that the PID
   * stays the plugin's.
   */
  wrapper?: string[];
  /** Arguments after the executable (Grafana passes none). */
  args?: string[];
  /** Run `src/backend/main.ts` through tsx instead of a built executable. */
  dev?: boolean;
  /** Run this TypeScript entry point (relative to the repo root) through tsx, e.g. a test plugin. */
  entry?: string;
  /** Replaces the variables Grafana passes from its own side. Default: grafanaHostEnv(). */
  hostEnv?: NodeJS.ProcessEnv;
  /** Overrides of the go-plugin variables (set a key to undefined to leave it out). */
  pluginEnv?: Record<string, string | undefined>;
  /** Milliseconds to wait for the handshake (go-plugin waits 1 minute). */
  startTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Host variables Grafana 12.4+ still forwards to a plugin process (pkg/plugins/envvars), when set. */
const FORWARDED_HOST_VARIABLES = [
  'PLUGIN_UNIX_SOCKET_DIR',
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
];

/**
 * What Grafana 12.4+ puts in a data source plugin's environment besides go-plugin's variables: its own
 * GF_* settings and the few host variables it forwards, nothing else of its process (go-plugin's
 * SkipHostEnv), so the backend cannot depend on host environment variables.
 */
export function grafanaHostEnv(): Record<string, string> {
  const forwarded = FORWARDED_HOST_VARIABLES.filter((name) => process.env[name] !== undefined).map(
    (name): [string, string] => [name, process.env[name]!]
  );
  return {
    GF_VERSION: '13.2.3',
    GF_EDITION: 'Open Source',
    GF_APP_URL: 'http://localhost:3000/',
    ...Object.fromEntries(forwarded),
  };
}

/** The environment go-plugin gives a Grafana plugin; the protocol list order is random, as in Go. */
export function grafanaPluginEnv(): Record<string, string> {
  return {
    grafana_plugin_type: 'datasource',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    PLUGIN_PROTOCOL_VERSIONS: Math.random() < 0.5 ? '1,2' : '2,1',
  };
}

function command(options: StartOptions): { file: string; args: string[] } {
  if (options.dev || options.entry) {
    // node itself (not the tsx CLI, which forks) so that the PID Grafana would kill is the plugin.
    const entry = path.resolve(REPO_ROOT, options.entry ?? path.join('src', 'backend', 'main.ts'));
    return { file: process.execPath, args: ['--import', 'tsx', entry] };
  }
  const file = options.executable ?? DEFAULT_EXECUTABLE;
  if (options.wrapper) {
    const [wrapper, ...wrapperArgs] = options.wrapper;
    return { file: wrapper, args: [...wrapperArgs, file, ...(options.args ?? [])] };
  }
  if (!existsSync(file)) {
    throw new Error(`plugin executable ${file} is missing: run \`npm run build:backend\` first`);
  }
  return { file, args: options.args ?? [] };
}

/**
 * The process environment, and the index directory made for this process alone (removed when it exits), unless
 * the test gives its own: `[plugin.tesseract-monitor-datasource] index_dir`, each process its own store.
 */
function buildEnv(options: StartOptions): { env: NodeJS.ProcessEnv; ownIndexDir?: string } {
  const ownIndexDir =
    options.pluginEnv && INDEX_DIR_ENV in options.pluginEnv
      ? undefined
      : mkdtempSync(path.join(tmpdir(), 'tesseract-index-'));
  const env: NodeJS.ProcessEnv = {
    ...(options.hostEnv ?? grafanaHostEnv()),
    ...grafanaPluginEnv(),
    ...(ownIndexDir ? { [INDEX_DIR_ENV]: ownIndexDir } : {}),
  };
  for (const [key, value] of Object.entries(options.pluginEnv ?? {})) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return { env, ownIndexDir };
}

/** PIDs whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) {
        children.push(Number(entry));
      }
    } catch {
      // the process ended while we looked
    }
  }
  return children;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers signal 0 until reaped; it holds no resources.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A started plugin process, after a successful handshake. */
export class PluginHost extends PluginClient {
  readonly stderrLines: string[] = [];
  /** stdout after the handshake line (go-plugin discards it; must stay empty). */
  extraStdout = '';
  exit?: ExitInfo;
  private readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly child: ChildProcess,
    readonly handshake: string,
    readonly startupMs: number,
    address: string,
    exited: Promise<ExitInfo>
  ) {
    super(address);
    this.exited = exited.then((info) => (this.exit = info));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** stderr lines that are hclog JSON. */
  get logs(): HclogLine[] {
    return this.stderrLines.flatMap((line) => {
      try {
        const parsed = JSON.parse(line);
        return parsed && typeof parsed['@message'] === 'string' ? [parsed as HclogLine] : [];
      } catch {
        return [];
      }
    });
  }

  static async start(options: StartOptions = {}): Promise<PluginHost> {
    const run = await runUntilHandshake(options);
    if (!run.handshake) {
      throw new Error(
        `plugin exited before its handshake (code ${run.exit?.code}, signal ${run.exit?.signal}): ${run.stderr.join('\n')}`
      );
    }
    const fields = run.handshake.split('|');
    if (fields.length < 5 || fields[0] !== '1' || fields[1] !== '2' || fields[2] !== 'tcp' || fields[4] !== 'grpc') {
      run.child.kill('SIGKILL');
      throw new Error(`unexpected handshake line ${JSON.stringify(run.handshake)}`);
    }
    const host = new PluginHost(run.child, run.handshake, run.startupMs, fields[3], run.exited);
    host.stderrLines.push(...run.stderr);
    run.child.stdout!.on('data', (chunk: Buffer) => (host.extraStdout += chunk.toString('utf8')));
    host.extraStdout += run.restOfStdout;
    run.onStderrLine((line) => host.stderrLines.push(line));
    return host;
  }

  /** Waits for the process to exit (up to `timeoutMs`); undefined when it is still running. */
  async waitForExit(timeoutMs: number): Promise<ExitInfo | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Grafana's stop: Shutdown RPC, wait 2 s for the exit, then SIGKILL the PID. Reports whether the plugin
   * exited by itself and that no process (the plugin or a child of it) is left.
   */
  async shutdown(): Promise<{ exitedInTime: boolean; elapsedMs: number; exit: ExitInfo; leftover: number[] }> {
    const children = childPids(this.pid);
    const started = performance.now();
    await this.shutdownRpc().catch(() => undefined); // go-plugin ignores errors here
    this.close();
    let exit = await this.waitForExit(2000);
    const elapsedMs = performance.now() - started;
    const exitedInTime = exit !== undefined;
    if (!exit) {
      this.child.kill('SIGKILL');
      exit = (await this.waitForExit(5000)) ?? { code: null, signal: null };
    }
    const leftover = [this.pid, ...children].filter(isAlive);
    return { exitedInTime, elapsedMs, exit, leftover };
  }

  /** SIGKILL without Shutdown (test cleanup). */
  async kill(): Promise<void> {
    this.close();
    if (!this.exit) {
      this.child.kill('SIGKILL');
      await this.waitForExit(5000);
    }
  }

  async waitForLog(predicate: (line: HclogLine) => boolean, timeoutMs = 5000): Promise<HclogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.logs.find(predicate);
      if (found) {
        return found;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('expected log line not seen');
  }
}

interface HandshakeRun {
  child: ChildProcess;
  handshake?: string;
  startupMs: number;
  stderr: string[];
  restOfStdout: string;
  exit?: ExitInfo;
  exited: Promise<ExitInfo>;
  onStderrLine(listener: (line: string) => void): void;
}

/**
 * Spawns the plugin like go-plugin does and waits for the first stdout line, or for the process to exit
 * (e.g. when the environment is wrong). Exposed for tests of the start-up checks.
 */
export function runUntilHandshake(options: StartOptions = {}): Promise<HandshakeRun> {
  const { file, args } = command(options);
  const started = performance.now();
  const { env, ownIndexDir } = buildEnv(options);
  const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_ROOT });
  const stderr: string[] = [];
  let stderrListener: ((line: string) => void) | undefined;
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrListener ? stderrListener(line) : stderr.push(line);
    }
  });
  const exited = new Promise<ExitInfo>((resolve) =>
    child.on('exit', (code, signal) => {
      if (ownIndexDir) {
        rmSync(ownIndexDir, { recursive: true, force: true });
      }
      resolve({ code, signal });
    })
  );
  // Flush a trailing stderr line without newline once the stream ends.
  child.stderr!.on('end', () => partial && (stderrListener ? stderrListener(partial) : stderr.push(partial)));

  return new Promise((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const timer = setTimeout(() => {
      if (!settled) {
        settled = true;
        child.kill('SIGKILL');
        reject(new Error(`no handshake within ${options.startTimeoutMs ?? 60_000} ms: ${stderr.join('\n')}`));
      }
    }, options.startTimeoutMs ?? 60_000);
    const base = {
      child,
      stderr,
      exited,
      onStderrLine: (listener: (line: string) => void) => (stderrListener = listener),
    };
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline >= 0 && !settled) {
        settled = true;
        clearTimeout(timer);
        child.stdout!.off('data', onStdout);
        resolve({
          ...base,
          handshake: stdout.slice(0, newline),
          restOfStdout: stdout.slice(newline + 1),
          startupMs: performance.now() - started,
        });
      }
    };
    child.stdout!.on('data', onStdout);
    child.on('error', (error) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    void exited.then(async (exit) => {
      // Let the stderr stream drain so the caller sees the plugin's message.
      await new Promise((done) => setTimeout(done, 50));
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ ...base, exit, restOfStdout: stdout, startupMs: performance.now() - started });
      }
    });
  });
}

// A loopback JSON-RPC proxy between the backend and anvil. It records every request by method
// (inside batches too) and injects the failures real providers produce: refused connections,
// slowness, HTTP 429 and 401 (also a node requiring basic auth), each provider's eth_getLogs range/result limits, broken JSON, a wrong
// chain id, flapping, no batch support, and log replies unlike anvil's. Range limits behave like the provider: only calls over the limit are refused, so a
// client that splits its ranges still gets every log.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** eth_getLogs limits in the error shapes of real providers. */
export type RangeLimit =
  /** Infura: -32005 "query returned more than N results", suggested range in `data.from/to`. */
  | { shape: 'infura-results'; maxResults: number }
  /** Infura (and nodes behind it): -32602 "block range too large". No hint. */
  | { shape: 'infura-range'; maxSpan: number }
  /** Geth/Erigon-style nodes: -32602 "exceed maximum block range: N". */
  | { shape: 'max-block-range'; maxSpan: number }
  /** Alchemy: any span up to maxSpan, or any span with at most maxResults logs; suggests a range. */
  | { shape: 'alchemy'; maxSpan: number; maxResults: number }
  /** QuickNode: "eth_getLogs is limited to a N range" (10000 on paid plans, 5 on the free tier). */
  | { shape: 'quicknode'; maxSpan: number }
  /**
   * Alchemy's wording, naming a range (`namedSpan` blocks, and a 10K-log cap) that the node answering the retry
   * does not serve: it takes at most maxSpan blocks, as a pool of nodes with other limits behind one URL does.
   */
  | { shape: 'misnamed-range'; maxSpan: number; namedSpan: number };

/** Whether a provider with `limit` serves an eth_getLogs of `span` blocks holding `logCount` logs. */
export function servesRange(limit: RangeLimit, span: number, logCount: number): boolean {
  switch (limit.shape) {
    case 'infura-results':
      return logCount <= limit.maxResults;
    case 'alchemy':
      return span <= limit.maxSpan || logCount <= limit.maxResults;
    default:
      return span <= limit.maxSpan;
  }
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Whether a provider with `limit` needs the logs of a span to know whether it serves it. */
export const countsLogs = (limit: RangeLimit, span: number) =>
  limit.shape === 'infura-results' || (limit.shape === 'alchemy' && span > limit.maxSpan);

/**
 * The error a provider with `limit` answers an eth_getLogs of [fromBlock, toBlock] with, or null when it serves
 * it; `logBlocks` are the block numbers of the range's logs in order (needed only when countsLogs).
 */
export function rangeRefusal(
  limit: RangeLimit,
  fromBlock: number,
  toBlock: number,
  logBlocks: readonly number[]
): Record<string, unknown> | null {
  if (servesRange(limit, toBlock - fromBlock + 1, logBlocks.length)) {
    return null;
  }
  // Highest toBlock such that [fromBlock, toBlock] holds at most maxResults logs.
  const lastFittingBlock = (maxResults: number) => Math.max(fromBlock, logBlocks[maxResults] - 1);
  switch (limit.shape) {
    case 'infura-results': {
      return {
        code: -32005,
        message: `query returned more than ${limit.maxResults} results`,
        data: { from: hex(fromBlock), to: hex(lastFittingBlock(limit.maxResults)) },
      };
    }
    case 'infura-range':
      return { code: -32602, message: 'block range too large' };
    case 'max-block-range':
      return { code: -32602, message: `exceed maximum block range: ${limit.maxSpan}` };
    case 'misnamed-range':
      return {
        code: -32602,
        message:
          `Log response size exceeded. You can make eth_getLogs requests with up to a ${limit.namedSpan} block ` +
          `range and no limit on the response size, or you can request any block range with a cap of 10K logs ` +
          `in the response. Based on your parameters, this block range should work: ` +
          `[${hex(fromBlock)}, ${hex(fromBlock + limit.namedSpan - 1)}]`,
      };
    case 'alchemy': {
      const suggestedTo = Math.max(lastFittingBlock(limit.maxResults), fromBlock + limit.maxSpan - 1);
      const spanText = limit.maxSpan % 1000 === 0 ? `${limit.maxSpan / 1000}K` : String(limit.maxSpan);
      const resultsText = limit.maxResults % 1000 === 0 ? `${limit.maxResults / 1000}K` : String(limit.maxResults);
      return {
        code: -32602,
        message:
          `Log response size exceeded. You can make eth_getLogs requests with up to a ${spanText} block range ` +
          `and no limit on the response size, or you can request any block range with a cap of ${resultsText} ` +
          `logs in the response. Based on your parameters, this block range should work: ` +
          `[${hex(fromBlock)}, ${hex(Math.min(suggestedTo, toBlock))}]`,
      };
    }
    case 'quicknode':
      return { code: -32614, message: `eth_getLogs is limited to a ${limit.maxSpan} range` };
  }
}

/**
 * The fewest eth_getLogs that fetch blocks [fromBlock, toBlock] from a provider with `limit`, none wider than
 * maxBlockRange, given the block number of every log the filter matches: each request as wide as served.
 */
export function fewestGetLogs(
  limit: RangeLimit,
  logBlocks: readonly number[],
  fromBlock: number,
  toBlock: number,
  maxBlockRange: number
): number {
  const logsIn = (from: number, to: number) => logBlocks.filter((block) => block >= from && block <= to).length;
  let requests = 0;
  for (let from = fromBlock; from <= toBlock; requests++) {
    let to = Math.min(toBlock, from + maxBlockRange - 1);
    while (to > from && !servesRange(limit, to - from + 1, logsIn(from, to))) {
      to--;
    }
    from = to + 1;
  }
  return requests;
}

/** A transport or protocol failure applied to whole HTTP requests. */
export type Fault =
  | { kind: 'none' }
  /** Connection refused: the listener is closed and open sockets are destroyed. */
  | { kind: 'down' }
  /** Connections are accepted, then reset before any reply. */
  | { kind: 'reset' }
  /** Each reply is held back this long (long enough means a client timeout). */
  | { kind: 'slow'; delayMs: number }
  /** HTTP 429, with `Retry-After: <seconds>` when retryAfterSeconds is set. */
  | { kind: 'rate_limited'; retryAfterSeconds?: number }
  /** HTTP 200 with the first half of the real JSON body. */
  | { kind: 'truncated' }
  /** HTTP 200 with an HTML page instead of JSON (what a misconfigured gateway returns). */
  | { kind: 'invalid_json' }
  /** eth_chainId answers this chain id instead of the real one. */
  | { kind: 'wrong_chain'; chainId: number }
  /** Alternates: up for upMs, then down (refused) for downMs, and so on. */
  | { kind: 'flapping'; upMs: number; downMs: number }
  /** HTTP 401 with a JSON-RPC error, as providers answer a bad API key. */
  | { kind: 'unauthorized' }
  /** Every batch answered with one error object, as nodes without batch support do; single calls pass. */
  | { kind: 'no_batches' };

/** How forwarded eth_getLogs replies differ from anvil's, as other nodes' do. */
export interface LogReplyQuirks {
  /** Drop blockTimestamp from logs, as most nodes other than anvil do. */
  stripBlockTimestamp?: boolean;
  /** Make this many log replies look as if the chain reorganised mid-reply (last log on another fork). */
  forkedReplies?: number;
}

export interface FaultOptions {
  /** Apply only to HTTP requests containing one of these methods; others pass. Default: all. */
  methods?: string[];
  /** Apply to this many matching HTTP requests, then return to normal. Default: until changed. */
  times?: number;
}

export interface RecordedRequest {
  at: number;
  /** Path and query string the client used (e.g. a secret-bearing `/?apikey=…`). */
  path: string;
  methods: string[];
  batch: boolean;
  /** What the proxy did: forwarded, or the fault / limit it applied. */
  outcome: string;
  /** Milliseconds from the request's arrival to the end of its reply (set once replied). */
  ms?: number;
}

export interface ProxyCounts {
  /** HTTP requests received (a batch counts once). */
  httpRequests: number;
  /** JSON-RPC requests received, by method (batch members counted one by one). */
  byMethod: Record<string, number>;
  /** eth_getLogs calls refused by the range limit. */
  rangeRejections: number;
  /** Requests answered with a fault instead of the upstream reply. */
  faulted: number;
}

export interface RpcProxy {
  /** `http://127.0.0.1:<port>`; any path or query string is accepted and ignored. */
  readonly url: string;
  readonly port: number;
  setFault(fault: Fault, options?: FaultOptions): void;
  setRangeLimit(limit: RangeLimit | null): void;
  setLogReplyQuirks(quirks: LogReplyQuirks): void;
  /** Answer HTTP 401 unless the request carries these credentials as basic auth, as private nodes do; null: open. */
  requireBasicAuth(credentials: { user: string; password: string } | null): void;
  counts(): ProxyCounts;
  /** JSON-RPC requests of one method since the last reset. */
  count(method: string): number;
  /** Total JSON-RPC requests since the last reset. */
  total(): number;
  requests(): readonly RecordedRequest[];
  resetCounts(): void;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

interface LogFilter {
  fromBlock?: string;
  toBlock?: string;
  blockHash?: string;
}

const HTML_ERROR_PAGE = '<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Applies `quirks` to the log arrays of a JSON-RPC reply (one object or a batch); returns the text. */
function rewriteLogReplies(text: string, quirks: LogReplyQuirks, state: { forkedLeft: number }): string {
  const reply = JSON.parse(text) as unknown;
  for (const item of Array.isArray(reply) ? reply : [reply]) {
    const logs = isRecord(item) && Array.isArray(item.result) ? item.result : [];
    if (logs.length === 0 || !isRecord(logs[0]) || typeof logs[0].logIndex !== 'string') {
      continue;
    }
    if (quirks.stripBlockTimestamp) {
      logs.forEach((log: Record<string, unknown>) => delete log.blockTimestamp);
    }
    if (state.forkedLeft > 0) {
      state.forkedLeft--;
      (logs[logs.length - 1] as Record<string, unknown>).blockHash = `0x${'f'.repeat(64)}`;
    }
  }
  return JSON.stringify(reply);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `upstreamUrl`. */
export async function startRpcProxy(upstreamUrl: string): Promise<RpcProxy> {
  let fault: Fault = { kind: 'none' };
  let faultOptions: FaultOptions = {};
  let faultUsesLeft = Infinity;
  let rangeLimit: RangeLimit | null = null;
  let logQuirks: LogReplyQuirks = {};
  let expectedAuthorization: string | null = null;
  const logQuirkState = { forkedLeft: 0 };
  let counts: ProxyCounts = { httpRequests: 0, byMethod: {}, rangeRejections: 0, faulted: 0 };
  let recorded: RecordedRequest[] = [];
  let flapTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const sockets = new Set<Socket>();
  const pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The upstream itself failed (e.g. anvil stopped): answer like a dead gateway.
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
      }
      res.end(`proxy: ${(error as Error).message}`);
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(onPort, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  function dropConnections(): void {
    for (const socket of sockets) {
      socket.destroy();
    }
  }

  async function goDown(): Promise<void> {
    if (!listening) {
      return;
    }
    listening = false;
    const closedListener = new Promise<void>((resolve) => server.close(() => resolve()));
    dropConnections();
    await closedListener;
  }

  async function comeUp(): Promise<void> {
    if (listening || closed) {
      return;
    }
    listening = true;
    await listen(port);
  }

  function stopFlapping(): void {
    if (flapTimer) {
      clearTimeout(flapTimer);
      flapTimer = undefined;
    }
  }

  function flap(upMs: number, downMs: number, up: boolean): void {
    const switched = up ? comeUp() : goDown();
    switched.catch(() => undefined);
    flapTimer = setTimeout(() => flap(upMs, downMs, !up), up ? upMs : downMs);
  }

  function matchesFault(methods: string[]): boolean {
    // Flapping acts on the listener only: a request that got through while up is served normally.
    if (fault.kind === 'none' || fault.kind === 'flapping' || faultUsesLeft <= 0) {
      return false;
    }
    return !faultOptions.methods || methods.some((m) => faultOptions.methods!.includes(m));
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          pendingDelays.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      pendingDelays.add(entry);
    });
  }

  async function upstream(body: string): Promise<string> {
    const response = await fetch(upstreamUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return response.text();
  }

  async function upstreamCall(method: string, params: unknown[]): Promise<unknown> {
    const reply = JSON.parse(await upstream(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))) as {
      result?: unknown;
      error?: { message?: string };
    };
    if (reply.error) {
      throw new Error(`upstream ${method}: ${reply.error.message}`);
    }
    return reply.result;
  }

  async function blockNumberOf(tag: string | undefined): Promise<number> {
    if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') {
      return Number(await upstreamCall('eth_blockNumber', []));
    }
    if (tag === 'earliest') {
      return 0;
    }
    return Number(tag);
  }

  /** The provider's error for a getLogs request over the limit, or null when it is within it. */
  async function rangeLimitError(request: JsonRpcRequest): Promise<Record<string, unknown> | null> {
    const limit = rangeLimit;
    if (!limit || request.method !== 'eth_getLogs' || !Array.isArray(request.params)) {
      return null;
    }
    const filter = (isRecord(request.params[0]) ? request.params[0] : {}) as LogFilter;
    if (filter.blockHash) {
      return null;
    }
    const fromBlock = await blockNumberOf(filter.fromBlock ?? 'latest');
    const toBlock = await blockNumberOf(filter.toBlock ?? 'latest');
    const logsInRange = async () => {
      const logs = (await upstreamCall('eth_getLogs', request.params as unknown[])) as Array<{ blockNumber: string }>;
      return logs.map((log) => Number(log.blockNumber));
    };
    const blocks = countsLogs(limit, toBlock - fromBlock + 1) ? await logsInRange() : [];
    return rangeRefusal(limit, fromBlock, toBlock, blocks);
  }

  /** Forwards one JSON-RPC request or batch, answering range-limited getLogs calls with the provider's error. */
  async function forward(
    body: string,
    parsed: JsonRpcRequest | JsonRpcRequest[],
    record: RecordedRequest
  ): Promise<string> {
    const items = Array.isArray(parsed) ? parsed : [parsed];
    const rejections = await Promise.all(items.map((item) => (isRecord(item) ? rangeLimitError(item) : null)));
    if (rejections.every((r) => r === null)) {
      return upstream(body);
    }
    counts.rangeRejections += rejections.filter((r) => r !== null).length;
    record.outcome = `range_limit:${rangeLimit?.shape}`;
    const replies = await Promise.all(
      items.map(async (item, i) => {
        const rejection = rejections[i];
        if (rejection) {
          return { jsonrpc: '2.0', id: item.id ?? null, error: rejection };
        }
        return JSON.parse(await upstream(JSON.stringify(item))) as unknown;
      })
    );
    return JSON.stringify(Array.isArray(parsed) ? replies : replies[0]);
  }

  function rewriteChainId(text: string, methodsById: Map<unknown, unknown>, chainId: number): string {
    const reply = JSON.parse(text) as unknown;
    const rewrite = (item: unknown) => {
      if (isRecord(item) && methodsById.get(item.id) === 'eth_chainId' && 'result' in item) {
        item.result = hex(chainId);
      }
    };
    if (Array.isArray(reply)) {
      reply.forEach(rewrite);
    } else {
      rewrite(reply);
    }
    return JSON.stringify(reply);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    let parsed: JsonRpcRequest | JsonRpcRequest[];
    try {
      parsed = JSON.parse(body) as JsonRpcRequest | JsonRpcRequest[];
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }));
      return;
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    const methods = items.map((item) => (isRecord(item) && typeof item.method === 'string' ? item.method : '?'));
    counts.httpRequests++;
    for (const method of methods) {
      counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
    }
    const record: RecordedRequest = {
      at: Date.now(),
      path: req.url ?? '/',
      methods,
      batch: Array.isArray(parsed),
      outcome: 'forwarded',
    };
    recorded.push(record);
    res.on('finish', () => {
      record.ms = Date.now() - record.at;
    });

    if (expectedAuthorization !== null && req.headers.authorization !== expectedAuthorization) {
      record.outcome = 'unauthorized';
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="node"' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'unauthorized' } }));
      return;
    }

    // A node without batch support still serves single calls.
    const applies = matchesFault(methods) && (fault.kind !== 'no_batches' || Array.isArray(parsed));
    const active = applies ? fault : ({ kind: 'none' } as Fault);
    if (active.kind !== 'none') {
      faultUsesLeft--;
      counts.faulted++;
      record.outcome = active.kind;
      if (faultUsesLeft <= 0) {
        fault = { kind: 'none' };
      }
    }
    switch (active.kind) {
      case 'reset':
      case 'down':
        // 'down': a request that raced the listener closing is refused the same way.
        req.socket.destroy();
        return;
      case 'rate_limited': {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (active.retryAfterSeconds !== undefined) {
          headers['retry-after'] = String(active.retryAfterSeconds);
        }
        res.writeHead(429, headers);
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: 429, message: 'Too Many Requests' } }));
        return;
      }
      case 'invalid_json':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(HTML_ERROR_PAGE);
        return;
      case 'unauthorized':
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'invalid project id' } }));
        return;
      case 'no_batches':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32600, message: 'batch requests are not supported' },
          })
        );
        return;
      case 'slow':
        await delay(active.delayMs);
        if (req.socket.destroyed) {
          return;
        }
        break;
      default:
        break;
    }

    let reply = await forward(body, parsed, record);
    if (logQuirks.stripBlockTimestamp || logQuirkState.forkedLeft > 0) {
      reply = rewriteLogReplies(reply, logQuirks, logQuirkState);
    }
    if (active.kind === 'truncated') {
      reply = reply.slice(0, Math.max(1, Math.floor(reply.length / 2)));
    }
    if (active.kind === 'wrong_chain') {
      const methodsById = new Map(items.map((item) => [item.id, item.method]));
      reply = rewriteChainId(reply, methodsById, active.chainId);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(reply);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setFault(next: Fault, options: FaultOptions = {}) {
      stopFlapping();
      fault = next;
      faultOptions = options;
      faultUsesLeft = options.times ?? Infinity;
      const switched =
        next.kind === 'down'
          ? goDown()
          : next.kind === 'flapping'
            ? Promise.resolve(flap(next.upMs, next.downMs, false))
            : comeUp();
      switched.catch(() => undefined);
      if (next.kind === 'reset') {
        dropConnections();
      }
      if (next.kind !== 'slow') {
        for (const pending of pendingDelays) {
          clearTimeout(pending.timer);
          pending.resolve();
        }
        pendingDelays.clear();
      }
    },
    setRangeLimit(limit: RangeLimit | null) {
      rangeLimit = limit;
    },
    requireBasicAuth(credentials) {
      expectedAuthorization = credentials
        ? `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`
        : null;
    },
    setLogReplyQuirks(quirks: LogReplyQuirks) {
      logQuirks = quirks;
      logQuirkState.forkedLeft = quirks.forkedReplies ?? 0;
    },
    counts: () => ({ ...counts, byMethod: { ...counts.byMethod } }),
    count: (method: string) => counts.byMethod[method] ?? 0,
    total: () => Object.values(counts.byMethod).reduce((sum, n) => sum + n, 0),
    requests: () => recorded,
    resetCounts() {
      counts = { httpRequests: 0, byMethod: {}, rangeRejections: 0, faulted: 0 };
      recorded = [];
    },
    async close() {
      closed = true;
      stopFlapping();
      for (const pending of pendingDelays) {
        clearTimeout(pending.timer);
        pending.resolve();
      }
      pendingDelays.clear();
      if (listening) {
        listening = false;
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        dropConnections();
        await done;
      }
    },
  };
}

/** Waits until `predicate` holds, polling every intervalMs; throws with `what` after timeoutMs. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}

import {
  classifyRpcError,
  endpointLabel,
  isRequestRefusal,
  parseRetryAfter,
  redactUrls,
  RpcError,
  RpcErrorKind,
} from './errors';
import { fromQuantity } from './quantity';

/** One HTTP exchange with one endpoint (a batch counts once), reported for self-metrics. */
export interface RpcCallEvent {
  /** JSON-RPC method, or the first method of a batch. */
  method: string;
  /** Number of JSON-RPC requests in the HTTP request (1 unless batched). */
  requests: number;
  /** 0-based endpoint index ("RPC #1" is 0). */
  endpoint: number;
  /** Wall time of the exchange, including any wait for a free slot (maxConcurrency). */
  ms: number;
  ok: boolean;
  errorKind?: RpcErrorKind;
}

export interface RpcObserver {
  onCall?(event: RpcCallEvent): void;
  /** The pool switched the endpoint it prefers (failover or the primary coming back). */
  onFailover?(fromEndpoint: number, toEndpoint: number): void;
}

export interface RpcPoolOptions {
  /** Primary first, then fallbacks. Never logged nor put in errors. */
  urls: string[];
  /** When set, each endpoint's eth_chainId is checked before first use; a mismatch makes it unusable. */
  expectedChainId?: number;
  /** Per HTTP request. Default 30 000. */
  timeoutMs?: number;
  /** Extra attempts after the first, across endpoints, for transient failures. Default 2 × number of URLs. */
  maxRetries?: number;
  /** Longest the pool waits for a cooling-down endpoint before giving up. Default 2 000. */
  maxWaitMs?: number;
  /** Largest JSON-RPC batch sent in one HTTP request. Default 100. */
  maxBatchSize?: number;
  /** HTTP requests in flight at once (more wait their turn), so bursts do not trip rate limits. Default 8. */
  maxConcurrency?: number;
  observer?: RpcObserver;
}

export interface RpcRequest {
  method: string;
  params: unknown[];
}

export interface CallOptions {
  /**
   * Rejects a syntactically valid but unusable result (for batch(): the array of results), e.g. a lagging node's
   * null block. Counted as invalid_response and retried on another endpoint.
   */
  validate?: (result: unknown) => boolean;
}

export interface EndpointStatus {
  /** 0-based. */
  index: number;
  label: string;
  /** null while not yet checked (or no expected chain id configured). */
  chainIdOk: boolean | null;
  coolingDownForMs: number;
  lastError?: string;
  lastLatencyMs?: number;
}

export interface RpcPoolStatus {
  /** 0-based index of the endpoint that answered last. */
  activeUrlIndex: number;
  lastError?: string;
  /** Date.now() of lastError, and of the last request any endpoint answered. */
  lastErrorAt?: number;
  lastSuccessAt?: number;
  lastLatencyMs?: number;
  /** HTTP requests made so far (a batch counts once). */
  requests: number;
  endpoints: EndpointStatus[];
}

interface Endpoint {
  index: number;
  /** Without credentials: those go in `authorization`. */
  url: string;
  authorization?: string;
  label: string;
  chainIdOk: boolean | null;
  chainCheck?: Promise<void>;
  cooldownUntil: number;
  consecutiveFailures: number;
  /** performance.now() of the last failure: requests already under way then fail in the same outage. */
  failedAt?: number;
  lastError?: RpcError;
  lastLatencyMs?: number;
  /** Set when the node answered a batch with one error: its batches are then sent call by call. */
  refusesBatches?: boolean;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/**
 * Cap for endpoints that refused at once (connection refused, HTTP 5xx, a refused key): asking again costs
 * next to nothing, and a longer cooldown is how long a recovered node stays unused (it reached 16 s after a
 * 13 s outage). Timeouts and rate limits keep the long cap: probing them costs a timeout or more refusals.
 */
const BACKOFF_MAX_UNREACHABLE_MS = 1_000;
/** A wrong-chain endpoint is re-checked this long after, in case it was a transient misroute. */
const WRONG_CHAIN_RECHECK_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A call's own refusal (a revert, an unknown method) as a value; failures another endpoint may not have are rethrown. */
function ownRefusal(error: unknown): RpcError {
  if (isRequestRefusal(error)) {
    return error;
  }
  throw error;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What a Node network error code means, in words (the codes are Node's and undici's internals). */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  UND_ERR_CLOSED: 'connection reset',
  ENOTFOUND: 'DNS lookup failed: no such host',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  EAI_FAIL: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no reply in time',
  UND_ERR_BODY_TIMEOUT: 'reply stalled',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPROTO: 'TLS handshake failed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS certificate chain is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host',
};

/** Why fetch failed, in words. Never the error's own message: undici's can quote the URL. */
export function networkCause(error: unknown): string {
  const cause = isObject(error) ? (error as { cause?: unknown }).cause : undefined;
  const code = isObject(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  if (code === undefined) {
    return 'connection failed';
  }
  if (NETWORK_CAUSES[code]) {
    return NETWORK_CAUSES[code];
  }
  return /^ERR_(?:TLS|SSL)_|CERT/.test(code) ? `TLS failed (${code})` : `network error (${code})`;
}

/**
 * The URL fetch can use and the Authorization header for its credentials: fetch refuses URLs with
 * `user:pass@`, which private nodes use for basic auth. The userinfo is percent-decoded, as RFC 3986 encodes it.
 */
export function splitCredentials(url: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url };
  }
  if (parsed.username === '' && parsed.password === '') {
    return { url };
  }
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part; // a stray "%": taken as typed
    }
  };
  const userinfo = `${decode(parsed.username)}:${decode(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization: `Basic ${Buffer.from(userinfo, 'utf8').toString('base64')}` };
}

/** A pool of JSON-RPC endpoints for one chain (primary + fallbacks), speaking raw JSON-RPC over fetch. */
export class RpcPool {
  private readonly endpoints: Endpoint[];
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly maxBatchSize: number;
  private readonly maxConcurrency: number;
  private inFlight = 0;
  private readonly queued: Array<() => void> = [];
  private nextId = 1;
  private requests = 0;
  private active = 0;
  private lastError?: RpcError;
  private lastErrorAt?: number;
  private rateLimitCount = 0;
  private lastSuccessAt?: number;
  private lastLatencyMs?: number;

  constructor(private readonly options: RpcPoolOptions) {
    if (options.urls.length === 0) {
      throw new Error('RpcPool needs at least one RPC URL');
    }
    this.endpoints = options.urls.map((url, index) => ({
      index,
      ...splitCredentials(url),
      label: endpointLabel(index),
      chainIdOk: null,
      cooldownUntil: 0,
      consecutiveFailures: 0,
    }));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = options.maxRetries ?? 2 * options.urls.length;
    this.maxWaitMs = options.maxWaitMs ?? 2_000;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 100);
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 8);
  }

  get endpointCount(): number {
    return this.endpoints.length;
  }

  async call<T>(method: string, params: unknown[], callOptions: CallOptions = {}): Promise<T> {
    return this.withFailover(method, 1, async (endpoint) => {
      const result = await this.sendOne(endpoint, method, params);
      if (callOptions.validate && !callOptions.validate(result)) {
        throw new RpcError('invalid_response', `${endpoint.label}: unexpected result for ${method}`, {
          endpoint: endpoint.index,
        });
      }
      return result as T;
    });
  }

  /**
   * Results in request order (null results stay null); sent in HTTP requests of at most maxBatchSize calls
   * (validate applies to each such slice). Throws the first item's error.
   */
  async batch(calls: RpcRequest[], callOptions: CallOptions = {}): Promise<unknown[]> {
    return this.batchInSlices(calls, callOptions, false);
  }

  /**
   * As batch(), but a call the node refused on its own (a revert, an unknown method) gives its RpcError in
   * its place while the other calls keep their results; transport failures and transient refusals still throw.
   */
  async batchSettled(calls: RpcRequest[], callOptions: CallOptions = {}): Promise<Array<unknown | RpcError>> {
    return this.batchInSlices(calls, callOptions, true);
  }

  private async batchInSlices(calls: RpcRequest[], callOptions: CallOptions, settle: boolean): Promise<unknown[]> {
    const results: unknown[] = [];
    for (let start = 0; start < calls.length; start += this.maxBatchSize) {
      const slice = calls.slice(start, start + this.maxBatchSize);
      const sliceResults = await this.withFailover(slice[0].method, slice.length, async (endpoint) => {
        const answers = await this.sendBatch(endpoint, slice, settle);
        if (callOptions.validate && !callOptions.validate(answers)) {
          throw new RpcError(
            'invalid_response',
            `${endpoint.label}: unexpected results in a ${slice[0].method} batch`,
            {
              endpoint: endpoint.index,
            }
          );
        }
        return answers;
      });
      for (const result of sliceResults) {
        results.push(result);
      }
    }
    return results;
  }

  /** Rate-limited attempts so far (retried ones included): how callers that keep requests in flight learn to send fewer. */
  get rateLimits(): number {
    return this.rateLimitCount;
  }

  status(): RpcPoolStatus {
    const now = Date.now();
    return {
      activeUrlIndex: this.active,
      lastError: this.lastError?.message,
      lastErrorAt: this.lastErrorAt,
      lastSuccessAt: this.lastSuccessAt,
      lastLatencyMs: this.lastLatencyMs,
      requests: this.requests,
      endpoints: this.endpoints.map((e) => ({
        index: e.index,
        label: e.label,
        chainIdOk: e.chainIdOk,
        coolingDownForMs: Math.max(0, e.cooldownUntil - now),
        lastError: e.lastError?.message,
        lastLatencyMs: e.lastLatencyMs,
      })),
    };
  }

  /** With `settle`, an item's own non-transient error is returned in its place instead of thrown. */
  private async sendBatch(endpoint: Endpoint, calls: RpcRequest[], settle: boolean): Promise<unknown[]> {
    if (endpoint.refusesBatches) {
      return this.sendEach(endpoint, calls, settle);
    }
    const firstId = this.nextId;
    this.nextId += calls.length;
    const payload = calls.map((c, i) => ({ jsonrpc: '2.0', id: firstId + i, method: c.method, params: c.params }));
    const reply = await this.post(endpoint, JSON.stringify(payload));
    if (!Array.isArray(reply)) {
      // A refused batch comes back as one object: a rate limit (transient: thrown), or a node that takes no
      // batches (or not this many): from then on it gets the calls one by one.
      try {
        this.resultOf(endpoint, 'batch', reply);
      } catch (error) {
        if (error instanceof RpcError && error.transient) {
          throw error;
        }
      }
      endpoint.refusesBatches = true;
      return this.sendEach(endpoint, calls, settle);
    }
    const byId = new Map<unknown, unknown>();
    for (const item of reply) {
      if (isObject(item)) {
        byId.set(item.id, item);
      }
    }
    return calls.map((c, i) => {
      const item = byId.get(firstId + i);
      if (item === undefined) {
        throw new RpcError('invalid_response', `${endpoint.label}: batch reply lacks an answer to ${c.method}`, {
          endpoint: endpoint.index,
        });
      }
      if (!settle) {
        return this.resultOf(endpoint, c.method, item);
      }
      try {
        return this.resultOf(endpoint, c.method, item);
      } catch (error) {
        return ownRefusal(error);
      }
    });
  }

  /** The calls of a batch as separate requests, in parallel, for nodes that refuse batches. */
  private async sendEach(endpoint: Endpoint, calls: RpcRequest[], settle: boolean): Promise<unknown[]> {
    return Promise.all(
      calls.map((c) => {
        const answer = this.sendOne(endpoint, c.method, c.params);
        return settle ? answer.catch(ownRefusal) : answer;
      })
    );
  }

  private async sendOne(endpoint: Endpoint, method: string, params: unknown[]): Promise<unknown> {
    const reply = await this.post(endpoint, JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }));
    return this.resultOf(endpoint, method, reply);
  }

  /** Unwraps one JSON-RPC response object, throwing a typed error for error replies and malformed ones. */
  private resultOf(endpoint: Endpoint, method: string, reply: unknown): unknown {
    if (!isObject(reply)) {
      throw new RpcError('invalid_response', `${endpoint.label}: malformed JSON-RPC reply to ${method}`, {
        endpoint: endpoint.index,
      });
    }
    if (reply.error !== undefined && reply.error !== null) {
      const error = isObject(reply.error) ? reply.error : { message: String(reply.error) };
      const { kind, hint } = classifyRpcError(error, method);
      const code = typeof error.code === 'number' ? error.code : undefined;
      const message = typeof error.message === 'string' ? redactUrls(error.message) : 'error without message';
      throw new RpcError(
        kind,
        `${endpoint.label}: ${method} failed: ${message}${code === undefined ? '' : ` (code ${code})`}`,
        {
          code,
          hint,
          endpoint: endpoint.index,
          data: error.data,
        }
      );
    }
    if (!('result' in reply)) {
      throw new RpcError('invalid_response', `${endpoint.label}: reply to ${method} has neither result nor error`, {
        endpoint: endpoint.index,
      });
    }
    return reply.result;
  }

  /** One HTTP POST, once fewer than maxConcurrency are in flight. */
  private async post(endpoint: Endpoint, body: string): Promise<unknown> {
    if (this.inFlight < this.maxConcurrency) {
      this.inFlight++;
    } else {
      // release() hands its slot straight to the first in line
      await new Promise<void>((resolve) => this.queued.push(resolve));
    }
    try {
      return await this.postNow(endpoint, body);
    } finally {
      const next = this.queued.shift();
      if (next) {
        next();
      } else {
        this.inFlight--;
      }
    }
  }

  /** Returns the parsed JSON body or throws a transport-level RpcError. */
  private async postNow(endpoint: Endpoint, body: string): Promise<unknown> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const failed = (error: unknown): RpcError =>
      controller.signal.aborted
        ? new RpcError('timeout', `${endpoint.label}: no answer within ${this.timeoutMs} ms`, {
            endpoint: endpoint.index,
          })
        : new RpcError('unreachable', `${endpoint.label}: unreachable (${networkCause(error)})`, {
            endpoint: endpoint.index,
          });
    try {
      this.requests++;
      let response: Response;
      let text: string;
      try {
        response = await fetch(endpoint.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(endpoint.authorization ? { authorization: endpoint.authorization } : {}),
          },
          body,
          signal: controller.signal,
        });
        text = await response.text();
      } catch (error) {
        throw failed(error);
      }
      if (response.status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        throw new RpcError('rate_limited', `${endpoint.label}: rate limited (HTTP 429)`, {
          code: 429,
          retryAfterMs,
          endpoint: endpoint.index,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw response.ok
          ? new RpcError('invalid_response', `${endpoint.label}: truncated or invalid JSON in reply`, {
              endpoint: endpoint.index,
            })
          : new RpcError('unreachable', `${endpoint.label}: HTTP ${response.status}`, {
              code: response.status,
              endpoint: endpoint.index,
            });
      }
      // Some providers send request errors (range limits) with HTTP 400: such bodies carry the real cause. A
      // refused key (401/403) or a server error (5xx) says nothing about the request: another endpoint may serve it.
      const isJsonRpc = Array.isArray(parsed) || (isObject(parsed) && ('error' in parsed || 'result' in parsed));
      const endpointFault = response.status === 401 || response.status === 403 || response.status >= 500;
      if (!response.ok && (!isJsonRpc || endpointFault)) {
        const detail = isObject(parsed) && isObject(parsed.error) ? parsed.error.message : undefined;
        const reason = typeof detail === 'string' ? `: ${redactUrls(detail)}` : '';
        throw new RpcError('unreachable', `${endpoint.label}: HTTP ${response.status}${reason}`, {
          code: response.status,
          endpoint: endpoint.index,
        });
      }
      return parsed;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Verifies the endpoint's chain id once (shared by concurrent callers) before it is used. */
  private async ensureChain(endpoint: Endpoint): Promise<void> {
    const expected = this.options.expectedChainId;
    if (expected === undefined || endpoint.chainIdOk === true) {
      return;
    }
    endpoint.chainCheck ??= this.checkChain(endpoint, expected).finally(() => {
      endpoint.chainCheck = undefined;
    });
    return endpoint.chainCheck;
  }

  private async checkChain(endpoint: Endpoint, expected: number): Promise<void> {
    const started = performance.now();
    try {
      const result = await this.sendOne(endpoint, 'eth_chainId', []);
      const chainId = fromQuantity(result);
      if (chainId === undefined) {
        throw new RpcError('invalid_response', `${endpoint.label}: eth_chainId returned no chain id`, {
          endpoint: endpoint.index,
        });
      }
      this.report(endpoint, 'eth_chainId', 1, started);
      endpoint.chainIdOk = chainId === expected;
      if (!endpoint.chainIdOk) {
        throw new RpcError('wrong_chain', `${endpoint.label}: serves chain id ${chainId}, expected ${expected}`, {
          endpoint: endpoint.index,
        });
      }
    } catch (error) {
      if (error instanceof RpcError && error.kind !== 'wrong_chain') {
        this.report(endpoint, 'eth_chainId', 1, started, error);
      }
      if (isRequestRefusal(error)) {
        // An endpoint that cannot say its chain id is not one to use: fail over.
        throw new RpcError('unreachable', error.message, { code: error.code, endpoint: endpoint.index });
      }
      throw error;
    }
  }

  private report(endpoint: Endpoint, method: string, requests: number, started: number, error?: RpcError): void {
    const ms = performance.now() - started;
    endpoint.lastLatencyMs = ms;
    this.lastLatencyMs = ms;
    this.options.observer?.onCall?.({
      method,
      requests,
      endpoint: endpoint.index,
      ms,
      ok: !error,
      errorKind: error?.kind,
    });
  }

  /**
   * Runs `attempt` on the preferred endpoint (lowest index not cooling down), failing over on transient errors
   * and wrong chains, with exponential backoff (or the server's Retry-After) per endpoint.
   */
  private async withFailover<R>(
    method: string,
    requests: number,
    attempt: (endpoint: Endpoint) => Promise<R>
  ): Promise<R> {
    const failures: RpcError[] = [];
    for (let attemptNumber = 0; attemptNumber <= this.maxRetries; attemptNumber++) {
      const endpoint = await this.pickEndpoint(failures);
      let started = 0;
      try {
        await this.ensureChain(endpoint);
        started = performance.now();
        const result = await attempt(endpoint);
        this.report(endpoint, method, requests, started);
        this.markSuccess(endpoint);
        return result;
      } catch (thrown) {
        const error =
          thrown instanceof RpcError
            ? thrown
            : new RpcError('invalid_response', `${endpoint.label}: ${redactUrls(String(thrown))}`, {
                endpoint: endpoint.index,
              });
        if (started > 0) {
          // Failures of the chain id check were reported by checkChain itself.
          this.report(endpoint, method, requests, started, error);
        }
        this.lastError = error;
        this.lastErrorAt = Date.now();
        if (isRequestRefusal(error)) {
          // The endpoint answered: the request itself is at fault (range limits, reverts).
          this.markSuccess(endpoint);
          throw error;
        }
        this.markFailure(endpoint, error, started);
        failures.push(error);
      }
    }
    throw this.summarize(failures);
  }

  private async pickEndpoint(failures: RpcError[]): Promise<Endpoint> {
    for (;;) {
      const now = Date.now();
      const ready = this.endpoints.find((e) => e.cooldownUntil <= now);
      if (ready) {
        return ready;
      }
      const soonest = Math.min(...this.endpoints.map((e) => e.cooldownUntil));
      const waitMs = soonest - now;
      if (waitMs > this.maxWaitMs) {
        const known =
          failures.length > 0 ? failures : this.endpoints.flatMap((e) => (e.lastError ? [e.lastError] : []));
        throw this.summarize(known, waitMs);
      }
      await sleep(waitMs);
    }
  }

  private markSuccess(endpoint: Endpoint): void {
    this.lastSuccessAt = Date.now();
    endpoint.consecutiveFailures = 0;
    endpoint.cooldownUntil = 0;
    if (this.active !== endpoint.index) {
      this.options.observer?.onFailover?.(this.active, endpoint.index);
      this.active = endpoint.index;
    }
  }

  /** `started`: when the failed attempt was sent (0: before sending). */
  private markFailure(endpoint: Endpoint, error: RpcError, started: number): void {
    if (error.kind === 'rate_limited') {
      this.rateLimitCount++;
    }
    // Requests sent together (a backfill's chunks) that fail in one outage lengthen the backoff once.
    const sameOutage = endpoint.failedAt !== undefined && started > 0 && started < endpoint.failedAt;
    endpoint.failedAt = performance.now();
    if (!sameOutage) {
      endpoint.consecutiveFailures++;
    }
    endpoint.lastError = error;
    const cap = error.kind === 'unreachable' ? BACKOFF_MAX_UNREACHABLE_MS : BACKOFF_MAX_MS;
    const backoff = Math.min(cap, BACKOFF_BASE_MS * 2 ** (endpoint.consecutiveFailures - 1));
    const delay = error.kind === 'wrong_chain' ? WRONG_CHAIN_RECHECK_MS : (error.retryAfterMs ?? backoff);
    endpoint.cooldownUntil = Date.now() + delay;
  }

  /** One error for a request that failed everywhere: the last cause per endpoint, kind of the latest. */
  private summarize(failures: RpcError[], retryAfterMs?: number): RpcError {
    const latestPerEndpoint = new Map<number | undefined, RpcError>();
    for (const failure of failures) {
      latestPerEndpoint.set(failure.endpoint, failure);
    }
    const causes = [...latestPerEndpoint.values()];
    const last = failures[failures.length - 1];
    if (!last) {
      return new RpcError('unreachable', 'all RPC endpoints are cooling down after errors', { retryAfterMs });
    }
    const message =
      causes.length === 1 ? causes[0].message : `all RPC endpoints failed: ${causes.map((c) => c.message).join('; ')}`;
    return new RpcError(last.kind, message, {
      code: last.code,
      retryAfterMs: retryAfterMs ?? last.retryAfterMs,
      endpoint: last.endpoint,
    });
  }
}

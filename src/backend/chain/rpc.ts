import { RpcError, RpcErrorKind } from './errors';

/** One HTTP exchange with one endpoint (a batch counts once), reported for self-metrics. */
export interface RpcCallEvent {
  /** JSON-RPC method, or the first method of a batch. */
  method: string;
  /** Number of JSON-RPC requests in the HTTP request (1 unless batched). */
  requests: number;
  /** 0-based endpoint index ("RPC #1" is 0). */
  endpoint: number;
  ms: number;
  ok: boolean;
  errorKind?: RpcErrorKind;
}

export interface RpcObserver {
  onCall?(event: RpcCallEvent): void;
  /** The pool switched the endpoint it prefers (failover or the primary coming back). */
  onFailover?(fromEndpoint: number, toEndpoint: number, reason: RpcErrorKind): void;
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
  observer?: RpcObserver;
}

export interface RpcRequest {
  method: string;
  params: unknown[];
}

export interface CallOptions {
  /** Rejects a syntactically valid but unusable result (counted as invalid_response and retried elsewhere). */
  validate?: (result: unknown) => boolean;
}

export interface EndpointStatus {
  /** 0-based. */
  index: number;
  label: string;
  /** null while not yet checked. */
  chainIdOk: boolean | null;
  coolingDownForMs: number;
  lastError?: string;
  lastLatencyMs?: number;
}

export interface RpcPoolStatus {
  /** 0-based index of the endpoint that answered last. */
  activeUrlIndex: number;
  lastError?: string;
  lastLatencyMs?: number;
  /** HTTP requests made so far (a batch counts once). */
  requests: number;
  endpoints: EndpointStatus[];
}

/** A pool of JSON-RPC endpoints for one chain (primary + fallbacks), speaking raw JSON-RPC over fetch. */
export class RpcPool {
  constructor(private readonly options: RpcPoolOptions) {
    if (options.urls.length === 0) {
      throw new Error('RpcPool needs at least one RPC URL');
    }
  }

  get endpointCount(): number {
    return this.options.urls.length;
  }

  async call<T>(method: string, params: unknown[], callOptions: CallOptions = {}): Promise<T> {
    void callOptions;
    throw new RpcError('unreachable', `not implemented: ${method} ${params.length}`);
  }

  /** Results in request order; null results stay null. Throws the first item's error. */
  async batch(calls: RpcRequest[]): Promise<unknown[]> {
    throw new RpcError('unreachable', `not implemented: batch of ${calls.length}`);
  }

  status(): RpcPoolStatus {
    return { activeUrlIndex: 0, requests: 0, endpoints: [] };
  }
}

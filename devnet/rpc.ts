// Minimal JSON-RPC client over fetch with batching. The devnet talks to anvil directly
// (eth_sendTransaction from unlocked accounts with explicit gas and nonces), which sidesteps the
// ethers signer pitfalls on anvil (low gas estimates, stale cached nonces, NonceManager drift).
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
    readonly data?: unknown
  ) {
    super(`${method}: ${message} (code ${code})`);
  }
}

export interface RpcRequest {
  method: string;
  params: unknown[];
}

interface RpcResponse {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export class JsonRpc {
  private nextId = 1;

  constructor(readonly url: string) {}

  async call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const [result] = await this.batch<T>([{ method, params }]);
    return result;
  }

  /** Sends the requests in one HTTP round trip; results come back in request order. */
  async batch<T = unknown>(requests: RpcRequest[]): Promise<T[]> {
    if (requests.length === 0) {
      return [];
    }
    const firstId = this.nextId;
    this.nextId += requests.length;
    const body = requests.map((r, i) => ({ jsonrpc: '2.0', id: firstId + i, method: r.method, params: r.params }));
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(`RPC ${this.url} answered HTTP ${response.status}`);
    }
    const replies = (await response.json()) as RpcResponse[];
    const byId = new Map(replies.map((r) => [r.id, r]));
    return requests.map((request, i) => {
      const reply = byId.get(firstId + i);
      if (!reply) {
        throw new Error(`${request.method}: no reply in batch`);
      }
      if (reply.error) {
        throw new RpcError(request.method, reply.error.code, reply.error.message, reply.error.data);
      }
      return reply.result as T;
    });
  }
}

export function toHex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

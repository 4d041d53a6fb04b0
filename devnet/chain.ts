// Transactions from anvil's unlocked accounts with explicit gas, and the receipts they produce.
import { JsonRpc, toHex } from './rpc';

/** Anvil's default mnemonic accounts (unlocked on every anvil chain). */
export const ANVIL_ACCOUNTS = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
] as const;

export interface TxRequest {
  from: string;
  to?: string;
  data: string;
  gas: number;
  nonce?: number;
}

export interface Receipt {
  transactionHash: string;
  transactionIndex: string;
  blockNumber: string;
  status: string;
  contractAddress: string | null;
  logs: Array<{ topics: string[]; data: string; address: string }>;
}

export function txParams(request: TxRequest): Record<string, string> {
  const params: Record<string, string> = { from: request.from, data: request.data, gas: toHex(request.gas) };
  if (request.to) {
    params.to = request.to;
  }
  if (request.nonce !== undefined) {
    params.nonce = toHex(request.nonce);
  }
  return params;
}

export async function waitReceipt(rpc: JsonRpc, hash: string, timeoutMs = 30_000): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await rpc.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) {
      return receipt;
    }
    if (Date.now() > deadline) {
      throw new Error(`no receipt for ${hash} after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends one transaction and waits until it is mined (status 0 is returned, not thrown). */
export async function sendAndWait(rpc: JsonRpc, request: TxRequest): Promise<Receipt> {
  const hash = await rpc.call<string>('eth_sendTransaction', [txParams(request)]);
  return waitReceipt(rpc, hash);
}

const blockTimes = new WeakMap<JsonRpc, Map<number, number>>();

/** Block timestamp in unix seconds (cached per client: blocks do not change on a dev chain). */
export async function blockTime(rpc: JsonRpc, blockNumber: number): Promise<number> {
  let cache = blockTimes.get(rpc);
  if (!cache) {
    cache = new Map();
    blockTimes.set(rpc, cache);
  }
  const known = cache.get(blockNumber);
  if (known !== undefined) {
    return known;
  }
  const block = await rpc.call<{ timestamp: string }>('eth_getBlockByNumber', [toHex(blockNumber), false]);
  const time = Number(block.timestamp);
  cache.set(blockNumber, time);
  return time;
}

export async function latestBlock(rpc: JsonRpc): Promise<{ number: number; timestamp: number }> {
  const block = await rpc.call<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  return { number: Number(block.number), timestamp: Number(block.timestamp) };
}

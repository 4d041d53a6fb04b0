// Test support for the chain layer's integration tests: a private anvil, a tiny Solidity event emitter and
// raw JSON-RPC helpers.
import { Interface } from 'ethers';
import solc from 'solc';
import { freePort, startAnvil as startDevnetAnvil } from '../../devnet/anvil';
import { JsonRpc } from '../../devnet/rpc';

export { freePort };

export const GENESIS_TIMESTAMP = 1_700_000_000;

export function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  return new JsonRpc(url).call<T>(method, params);
}

export interface Anvil {
  url: string;
  stop(): Promise<void>;
}

/** A private anvil on a free port, started and stopped (by the binary's PID) as the devnet does. */
export async function startAnvil(): Promise<Anvil> {
  const anvil = await startDevnetAnvil({ chainId: 31337, genesisTimestamp: GENESIS_TIMESTAMP });
  return { url: anvil.rpcUrl, stop: anvil.stop };
}

const EMITTER_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

contract Emitter {
    event Ping(uint256 indexed id, uint256 value);
    event Pong(uint256 indexed id);
    event Ignored(uint256 id);

    function emitMany(uint256 start, uint256 count) external {
        for (uint256 i = 0; i < count; i++) {
            emit Ping(start + i, i);
            if (i % 3 == 0) emit Ignored(start + i);
            if (i % 2 == 0) emit Pong(start + i);
        }
    }
}
`;

export const EMITTER_ABI = [
  'event Ping(uint256 indexed id, uint256 value)',
  'event Pong(uint256 indexed id)',
  'event Ignored(uint256 id)',
  'function emitMany(uint256 start, uint256 count)',
];
export const emitter = new Interface(EMITTER_ABI);
export const PING = emitter.getEvent('Ping')!.topicHash;
export const PONG = emitter.getEvent('Pong')!.topicHash;

/** Pings and Pongs one emitMany(start, count) call logs (Ignored is not indexed). */
export function expectedIds(start: number, count: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push(`ping:${start + i}`);
    if (i % 2 === 0) {
      ids.push(`pong:${start + i}`);
    }
  }
  return ids;
}

function compileEmitter(): string {
  const input = {
    language: 'Solidity',
    sources: { 'Emitter.sol': { content: EMITTER_SOURCE } },
    settings: { outputSelection: { '*': { Emitter: ['evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>;
    contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  }
  return `0x${output.contracts['Emitter.sol'].Emitter.evm.bytecode.object}`;
}

interface Receipt {
  status: string;
  blockNumber: string;
  contractAddress: string | null;
}

/** Sends a transaction from anvil's first unlocked account; automine puts it in its own block. */
async function transact(url: string, tx: Record<string, string>, timestamp?: number): Promise<Receipt> {
  const [from] = await rpc<string[]>(url, 'eth_accounts');
  if (timestamp !== undefined) {
    await rpc(url, 'evm_setNextBlockTimestamp', [timestamp]);
  }
  const hash = await rpc<string>(url, 'eth_sendTransaction', [{ from, gas: '0x7a1200', ...tx }]);
  let receipt = await rpc<Receipt | null>(url, 'eth_getTransactionReceipt', [hash]);
  while (!receipt) {
    // automine seals the block right after answering
    await new Promise((resolve) => setTimeout(resolve, 5));
    receipt = await rpc<Receipt | null>(url, 'eth_getTransactionReceipt', [hash]);
  }
  if (receipt.status !== '0x1') {
    throw new Error(`transaction ${hash} failed`);
  }
  return receipt;
}

export async function deployEmitter(url: string): Promise<string> {
  const receipt = await transact(url, { data: compileEmitter() });
  return receipt.contractAddress!;
}

/** Calls emitMany in a new block (at `timestamp` when given); returns the block number. */
export async function emitMany(url: string, address: string, start: number, count: number, timestamp?: number) {
  const receipt = await transact(
    url,
    { to: address, data: emitter.encodeFunctionData('emitMany', [start, count]) },
    timestamp
  );
  return Number(receipt.blockNumber);
}

export interface TruthLog {
  blockNumber: number;
  logIndex: number;
  blockHash: string;
  id: string;
}

/** Chain truth straight from anvil: every Ping and Pong of the contract in one unsplit eth_getLogs. */
export async function chainTruth(url: string, address: string): Promise<TruthLog[]> {
  const logs = await rpc<Array<{ blockNumber: string; logIndex: string; blockHash: string; topics: string[] }>>(
    url,
    'eth_getLogs',
    [{ address, topics: [[PING, PONG]], fromBlock: '0x0', toBlock: 'latest' }]
  );
  return logs.map((log) => ({
    blockNumber: Number(log.blockNumber),
    logIndex: Number(log.logIndex),
    blockHash: log.blockHash,
    id: `${log.topics[0] === PING ? 'ping' : 'pong'}:${BigInt(log.topics[1]).toString()}`,
  }));
}

// A synthetic JSON-RPC node holding a long Tesseract history (e.g. 1M logs) generated on the fly,
// for measuring the backend's memory with a full index. Logs are real ABI encodings of the
// TesseractSimple events (built once with ethers, then only the tx_id topic varies), so the
// backend's own decoder and log index process them exactly as they would a node's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interface, type ParamType } from 'ethers';
import { TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI } from '../src/query';
import { blockTime, EVENT, FAILURE_REASONS, type SyntheticHistory } from './synthetic-history';

export interface SyntheticChainOptions {
  chainId: number;
  contract: string;
  /** Total logs; spread evenly over `blocks` blocks. */
  logs: number;
  blocks: number;
  /** Timestamp of block 1; blocks are 12 s apart. */
  startTime: number;
  /** The head at start (default `blocks`): later blocks appear with setHead, e.g. as a burst of new logs. */
  head?: number;
}

/** What every chain served here offers: its URL, a count of the eth_getLogs calls it answered, a way to stop. */
interface ServedChain {
  url: string;
  /** eth_getLogs calls answered. */
  getLogsCalls(): number;
  close(): Promise<void>;
}

export interface SyntheticChain extends ServedChain {
  /** Moves the head (at most to `blocks`): the blocks up to it and their logs exist from now on. */
  setHead(block: number): void;
}

const BLOCK_SECONDS = 12;
const hex = (n: number) => `0x${n.toString(16)}`;
const ZERO_WORD = '0x' + '00'.repeat(32);
const word = (n: number, salt: number) => `0x${salt.toString(16).padStart(8, '0')}${n.toString(16).padStart(56, '0')}`;

interface LogTemplate {
  topics: string[];
  data: string;
}

/** One encoded log per lifecycle event; the tx_id topic (topics[1]) is replaced per log. */
function templates(): LogTemplate[] {
  const iface = new Interface(TESSERACT_SIMPLE_ABI as never);
  const txId = word(0, 0);
  const origin = '0x' + '11'.repeat(20);
  const target = '0x' + '22'.repeat(20);
  const encode = (name: string, values: unknown[]) => {
    const event = iface.getEvent(name)!;
    return iface.encodeEventLog(event, values) as LogTemplate;
  };
  const valuesFor = (name: string): unknown[] =>
    iface.getEvent(name)!.inputs.map((input) => {
      switch (input.type) {
        case 'bytes32':
          return txId;
        case 'address':
          return input.name.includes('target') ? target : origin;
        case 'string':
          return 'Transaction expired';
        default:
          return 1_700_000_000;
      }
    });
  return ['TransactionBuffered', 'TransactionReady', 'TransactionBuffered', 'TransactionFailed'].map((name) =>
    encode(name, valuesFor(name))
  );
}

export async function startSyntheticChain(options: SyntheticChainOptions): Promise<SyntheticChain> {
  const logTemplates = templates();
  const perBlock = Math.ceil(options.logs / options.blocks);
  const contract = options.contract.toLowerCase();
  let getLogsCalls = 0;
  let head = Math.min(options.head ?? options.blocks, options.blocks);

  const blockHash = (n: number) => word(n, 0xb10c);
  const header = (n: number) => ({
    number: hex(n),
    hash: blockHash(n),
    parentHash: blockHash(n - 1),
    timestamp: hex(options.startTime + (n - 1) * BLOCK_SECONDS),
    transactions: [],
  });
  const logsOf = (fromBlock: number, toBlock: number): string => {
    // Built as text: a 10k-log answer is ~6 MB and JSON.stringify of objects would double the bench's own memory.
    const parts: string[] = [];
    for (let block = Math.max(1, fromBlock); block <= Math.min(head, toBlock); block++) {
      const first = (block - 1) * perBlock;
      const count = Math.min(perBlock, options.logs - first);
      for (let i = 0; i < count; i++) {
        const sequence = first + i;
        const template = logTemplates[sequence % logTemplates.length];
        // Buffered and its Ready/Failed share a tx_id: pairs (sequence >> 1).
        const topics = [template.topics[0], word(sequence >> 1, 0x7e55), ...template.topics.slice(2)];
        parts.push(
          `{"address":"${contract}","topics":${JSON.stringify(topics)},"data":"${template.data}",` +
            `"blockNumber":"${hex(block)}","blockHash":"${blockHash(block)}","blockTimestamp":"${hex(options.startTime + (block - 1) * BLOCK_SECONDS)}",` +
            `"transactionHash":"${word(sequence, 0x7a11)}","transactionIndex":"${hex(i)}","logIndex":"${hex(i)}","removed":false}`
        );
      }
    }
    return `[${parts.join(',')}]`;
  };
  const blockOf = (tag: unknown) => (tag === 'latest' || tag === undefined ? head : Number(tag));

  const answer = (request: { id?: unknown; method?: string; params?: unknown[] }): string => {
    const reply = (result: string) => `{"jsonrpc":"2.0","id":${JSON.stringify(request.id ?? null)},"result":${result}}`;
    const params = request.params ?? [];
    switch (request.method) {
      case 'eth_chainId':
        return reply(JSON.stringify(hex(options.chainId)));
      case 'eth_blockNumber':
        return reply(JSON.stringify(hex(head)));
      case 'eth_getBlockByNumber': {
        const n = blockOf(params[0]);
        return reply(n >= 0 && n <= head ? JSON.stringify(header(n)) : 'null');
      }
      case 'eth_getLogs': {
        getLogsCalls++;
        const filter = (params[0] ?? {}) as { address?: string; fromBlock?: string; toBlock?: string };
        if (filter.address && filter.address.toLowerCase() !== contract) {
          return reply('[]');
        }
        return reply(logsOf(blockOf(filter.fromBlock), blockOf(filter.toBlock)));
      }
      case 'eth_getCode':
        return reply('"0x6080"');
      default:
        return `{"jsonrpc":"2.0","id":${JSON.stringify(request.id ?? null)},"error":{"code":-32601,"message":"method not found"}}`;
    }
  };

  const server = await serveJsonRpc(answer);
  return {
    url: server.url,
    getLogsCalls: () => getLogsCalls,
    setHead: (block) => {
      head = Math.min(block, options.blocks);
    },
    close: server.close,
  };
}

type JsonRpcCall = { id?: unknown; method?: string; params?: unknown[] };

/** An HTTP JSON-RPC server on 127.0.0.1 answering each call (batches too) with `answer`'s JSON text. */
async function serveJsonRpc(
  answer: (request: JsonRpcCall) => string
): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const body = Array.isArray(parsed) ? `[${parsed.map(answer).join(',')}]` : answer(parsed as JsonRpcCall);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface HistoryChainOptions {
  chainId: number;
  contract: string;
  history: SyntheticHistory;
}

export interface HistoryChain extends ServedChain {
  /** The tx_id of a tx of the history. */
  txId(tx: number): string;
}

const TX_SALT = 0x7e55;
const ORIGINS = ['0x' + '11'.repeat(20), '0x' + '12'.repeat(20), '0x' + '13'.repeat(20)];
const TARGETS = ['0x' + '21'.repeat(20), '0x' + '22'.repeat(20)];
const OWNER = '0x' + '0a'.repeat(20);
const TX_STATE = { EMPTY: 1, BUFFERED: 2, READY: 4 };
const uint = (n: number) => n.toString(16).padStart(64, '0');
const addressTopic = (address: string) => `0x${address.slice(2).padStart(64, '0')}`;

/** Zero values of an ABI type (tuples and arrays too), for views the bench does not model. */
function zeroOf(param: ParamType): unknown {
  if (param.isTuple()) {
    return param.components.map(zeroOf);
  }
  if (param.isArray()) {
    return [];
  }
  if (param.type === 'address') {
    return '0x' + '00'.repeat(20);
  }
  if (param.type === 'bool') {
    return false;
  }
  if (param.type === 'string') {
    return '';
  }
  if (param.type.startsWith('bytes')) {
    return param.type === 'bytes' ? '0x' : '0x' + '00'.repeat(Number(param.type.slice(5)));
  }
  return 0;
}

/**
 * A JSON-RPC node serving a generated history (bench/synthetic-history.ts) as the Simple or Buffer contract
 * would have logged it, with the views the dashboard reads (state of a tx, paused, coordination_window …)
 * answered from the same history at the requested block.
 */
export async function startHistoryChain(options: HistoryChainOptions): Promise<HistoryChain> {
  const { history } = options;
  const variant = history.options.variant;
  const iface = new Interface((variant === 'buffer' ? TESSERACT_BUFFER_ABI : TESSERACT_SIMPLE_ABI) as never);
  const topic0 = (name: string) => iface.getEvent(name)!.topicHash;
  const topics0 = [
    topic0('TransactionBuffered'),
    topic0('TransactionReady'),
    variant === 'simple' ? topic0('TransactionFailed') : '',
    variant === 'buffer' ? topic0('EmergencyPause') : '',
    variant === 'buffer' ? topic0('EmergencyUnpause') : '',
  ];
  const reasonData = FAILURE_REASONS.map((reason) =>
    variant === 'simple' ? iface.encodeEventLog(iface.getEvent('TransactionFailed')!, [ZERO_WORD, reason]).data : '0x'
  );
  const contract = options.contract.toLowerCase();
  const head = history.blocks;
  let getLogsCalls = 0;
  const txId = (tx: number) => word(tx, TX_SALT);
  const txOf = (id: unknown) => {
    const text = String(id).toLowerCase();
    return text.length === 66 && text.startsWith(`0x${TX_SALT.toString(16).padStart(8, '0')}`)
      ? parseInt(text.slice(10), 16)
      : -1;
  };
  const blockHash = (n: number) => word(n, 0xb10c);
  const header = (n: number) => ({
    number: hex(n),
    hash: blockHash(n),
    parentHash: blockHash(n - 1),
    timestamp: hex(blockTime(history, Math.max(1, n))),
    transactions: [],
  });
  const logText = (i: number, block: number, indexInBlock: number): string => {
    const tx = history.tx[i];
    const time = blockTime(history, block);
    const kind = history.kind[i];
    let topics: string[];
    let data: string;
    switch (kind) {
      case EVENT.Buffered: {
        const dependency = history.dependsOn[tx];
        topics = [topics0[kind], txId(tx), addressTopic(ORIGINS[tx % 3]), addressTopic(TARGETS[tx % 2])];
        data =
          variant === 'buffer'
            ? `0x${dependency >= 0 ? txId(dependency).slice(2) : uint(0)}${uint(history.declaredAt[tx])}`
            : `0x${uint(history.declaredAt[tx])}`;
        break;
      }
      case EVENT.Ready:
        topics = [topics0[kind], txId(tx)];
        data = variant === 'buffer' ? `0x${uint(time)}` : '0x';
        break;
      case EVENT.Failed:
        topics = [topics0[kind], txId(tx)];
        data = reasonData[history.reason[i]];
        break;
      default:
        topics = [topics0[kind], addressTopic(OWNER)];
        data = `0x${uint(time)}`;
    }
    return (
      `{"address":"${contract}","topics":${JSON.stringify(topics)},"data":"${data}",` +
      `"blockNumber":"${hex(block)}","blockHash":"${blockHash(block)}","blockTimestamp":"${hex(time)}",` +
      `"transactionHash":"${word(i, 0x7a11)}","transactionIndex":"${hex(indexInBlock)}","logIndex":"${hex(indexInBlock)}","removed":false}`
    );
  };
  const logsOf = (fromBlock: number, toBlock: number, wanted: Set<string> | undefined): string => {
    const parts: string[] = [];
    for (let block = Math.max(1, fromBlock); block <= Math.min(head, toBlock); block++) {
      const first = history.firstLogOfBlock[block];
      for (let i = first; i < history.firstLogOfBlock[block + 1]; i++) {
        if (!wanted || wanted.has(topics0[history.kind[i]])) {
          parts.push(logText(i, block, i - first));
        }
      }
    }
    return `[${parts.join(',')}]`;
  };
  const blockOf = (tag: unknown): number => {
    if (typeof tag === 'string' && tag.startsWith('0x')) {
      return Number(tag);
    }
    if (tag && typeof tag === 'object' && 'blockHash' in tag) {
      return parseInt(String((tag as { blockHash: string }).blockHash).slice(10), 16);
    }
    return head; // latest, safe, finalized, pending
  };
  const view = (name: string, args: readonly unknown[], block: number): unknown[] => {
    const time = blockTime(history, block);
    const tx = args.length > 0 ? txOf(args[0]) : -1;
    const known = tx >= 0 && tx < history.bufferedAt.length && history.bufferedAt[tx] <= time;
    switch (name) {
      case 'owner':
      case 'emergency_admin':
        return [OWNER];
      case 'paused':
        return [history.pauses.some((p) => time >= p.pausedAt && time < p.unpausedAt)];
      case 'coordination_window':
        return [history.options.coordinationWindow];
      case 'transaction_count': {
        let count = 0;
        while (count < history.bufferedAt.length && history.bufferedAt[count] <= time) {
          count++;
        }
        return [count];
      }
      case 'get_transaction_state':
        return [!known ? 0 : history.readyAt[tx] <= time ? TX_STATE.READY : TX_STATE.BUFFERED];
      case 'is_transaction_ready':
        return [known && history.readyAt[tx] <= time];
      case 'has_role':
      case 'authorized_operators':
        return [true];
      default:
        return iface.getFunction(name)!.outputs.map(zeroOf);
    }
  };

  const answer = (request: JsonRpcCall): string => {
    const reply = (result: string) => `{"jsonrpc":"2.0","id":${JSON.stringify(request.id ?? null)},"result":${result}}`;
    const params = request.params ?? [];
    switch (request.method) {
      case 'eth_chainId':
        return reply(JSON.stringify(hex(options.chainId)));
      case 'eth_blockNumber':
        return reply(JSON.stringify(hex(head)));
      case 'eth_getBlockByNumber': {
        const n = blockOf(params[0]);
        return reply(n >= 0 && n <= head ? JSON.stringify(header(n)) : 'null');
      }
      case 'eth_getBlockByHash':
        return reply(JSON.stringify(header(blockOf({ blockHash: params[0] }))));
      case 'eth_getLogs': {
        getLogsCalls++;
        const filter = (params[0] ?? {}) as {
          address?: string;
          fromBlock?: string;
          toBlock?: string;
          topics?: unknown[];
        };
        if (filter.address && filter.address.toLowerCase() !== contract) {
          return reply('[]');
        }
        const first = filter.topics?.[0];
        const wanted = Array.isArray(first)
          ? new Set(first as string[])
          : typeof first === 'string'
            ? new Set([first])
            : undefined;
        return reply(logsOf(blockOf(filter.fromBlock), blockOf(filter.toBlock), wanted));
      }
      case 'eth_getCode':
        return reply('"0x6080"');
      case 'eth_call': {
        const call = (params[0] ?? {}) as { data?: string };
        const parsed = iface.parseTransaction({ data: call.data ?? '0x' });
        if (!parsed) {
          return `{"jsonrpc":"2.0","id":${JSON.stringify(request.id ?? null)},"error":{"code":3,"message":"execution reverted"}}`;
        }
        const block = Math.min(head, blockOf(params[1]));
        return reply(
          JSON.stringify(iface.encodeFunctionResult(parsed.fragment, view(parsed.name, parsed.args, block)))
        );
      }
      default:
        return `{"jsonrpc":"2.0","id":${JSON.stringify(request.id ?? null)},"error":{"code":-32601,"message":"method not found"}}`;
    }
  };

  const server = await serveJsonRpc(answer);
  return { url: server.url, getLogsCalls: () => getLogsCalls, txId, close: server.close };
}

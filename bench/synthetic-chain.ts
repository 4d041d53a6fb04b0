// A synthetic JSON-RPC node holding a long Tesseract history (e.g. 1M logs) generated on the fly,
// for measuring the backend's memory with a full index. Logs are real ABI encodings of the
// TesseractSimple events (built once with ethers, then only the tx_id topic varies), so the
// backend's own decoder and log index process them exactly as they would a node's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Interface } from 'ethers';
import { TESSERACT_SIMPLE_ABI } from '../src/query';

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

export interface SyntheticChain {
  url: string;
  /** eth_getLogs calls answered. */
  getLogsCalls(): number;
  /** Moves the head (at most to `blocks`): the blocks up to it and their logs exist from now on. */
  setHead(block: number): void;
  close(): Promise<void>;
}

const BLOCK_SECONDS = 12;
const hex = (n: number) => `0x${n.toString(16)}`;
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

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      const body = Array.isArray(parsed) ? `[${parsed.map(answer).join(',')}]` : answer(parsed as never);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    getLogsCalls: () => getLogsCalls,
    setHead: (block) => {
      head = Math.min(block, options.blocks);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

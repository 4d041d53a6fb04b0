/**
 * Property: under any history with reorgs, every query kind answers as a fresh backend would, and as a
 * brute-force reading of the chain says. A seeded random walk on anvil buffers, resolves (to READY or to
 * a logged failure), marks executed and mines empty blocks, and now and then rolls back 1 to
 * confirmations + 2 blocks (anvil_rollback) and mines a different history, at times re-buffering a
 * reorged-away tx_id. After each reorg (and some plain steps) one long-lived backend process, a fresh
 * process and the chain itself (eth_getLogs over the whole range and eth_call state reads at the head,
 * decoded with ethers' Interface, not the backend's decoders) must agree on health, events, metrics
 * (with executed), transaction, call and variables answers.
 *
 * CI runs a fixed seed and a bounded number of steps; `npm run soak` (SOAK=1) runs a longer walk,
 * REORG_SEED picks another seed.
 */
import { Interface, id as keccakText } from 'ethers';
import { DEFAULT_CHAINS, JsonRpc, startDevnet, toHex, type Deployment, type Devnet } from '../../devnet';
import { sendAndWait } from '../../devnet/chain';
import { Prng } from '../../devnet/prng';
import { rollupAddress, ROLLUP_NAMES } from '../../devnet/rollups';
import { TESSERACT_SIMPLE_ABI } from '../../src/query';
import type { DecodedFrame } from '../../src/backend/grafana/frames';
import { PluginHost, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { monitorSettings } from '../../harness/monitor';

const SOAK = process.env.SOAK === '1';
const SEED = Number(process.env.REORG_SEED ?? 20261202);
const STEPS = SOAK ? 400 : 45;
const CONFIRMATIONS = 3;
/** Contract states of TesseractSimple (Vyper-style flags). */
const BUFFERED = 2;
const READY = 4;
const EXECUTED = 8;
const GAS = 400_000;

const iface = new Interface(TESSERACT_SIMPLE_ABI as never);

let devnet: Devnet;
let deployment: Deployment;
let rpc: JsonRpc;
let longLived: PluginHost;
let settings: SettingsInput;
/** Far enough ahead that every chain time of the walk (which jumps ahead of the clock) is inside. */
let range: { fromMs: number; toMs: number };
const report: string[] = [];

beforeAll(async () => {
  devnet = await startDevnet({ chains: [DEFAULT_CHAINS[0]] });
  deployment = devnet.deployments[0];
  rpc = new JsonRpc(deployment.rpcUrl);
  settings = monitorSettings('reorg-property', [
    { deployment, urls: [deployment.rpcUrl], overrides: { confirmations: CONFIRMATIONS } },
  ]);
  range = { fromMs: 0, toMs: Date.now() + 60 * 86400_000 };
  longLived = await PluginHost.start();
}, 120_000);

afterAll(async () => {
  await longLived?.kill();
  await devnet?.stop();
  if (report.length > 0) {
    process.stdout.write(`reorg property (seed ${SEED}, ${STEPS} steps):\n  ${report.join('\n  ')}\n`);
  }
});

interface ChainEvent {
  block: number;
  logIndex: number;
  event: string;
  txId: string;
  reason: string | null;
}

/** What the chain says, read without the backend: all logs of the contract and the state of every tx_id. */
interface Truth {
  head: number;
  events: ChainEvent[];
  states: Map<string, number>;
  transactionCount: number;
}

async function readTruth(): Promise<Truth> {
  const head = Number(await rpc.call<string>('eth_blockNumber'));
  const logs = await rpc.call<Array<{ topics: string[]; data: string; blockNumber: string; logIndex: string }>>(
    'eth_getLogs',
    [{ address: deployment.contract, fromBlock: toHex(deployment.deployBlock), toBlock: toHex(head) }]
  );
  const events = logs.flatMap((log) => {
    const parsed = iface.parseLog(log);
    if (!parsed) {
      return [];
    }
    return [
      {
        block: Number(log.blockNumber),
        logIndex: Number(log.logIndex),
        event: parsed.name,
        txId: String(parsed.args.tx_id).toLowerCase(),
        reason: parsed.name === 'TransactionFailed' ? String(parsed.args.reason) : null,
      },
    ];
  });
  const ids = [...new Set([...everUsed, ...events.map((e) => e.txId)])];
  const states = new Map<string, number>();
  const answers = await rpc.batch(
    ids.map((txId) => ({
      method: 'eth_call',
      params: [
        { to: deployment.contract, data: iface.encodeFunctionData('get_transaction_state', [txId]) },
        toHex(head),
      ],
    }))
  );
  ids.forEach((txId, i) => states.set(txId, Number(BigInt(answers[i] as string))));
  const count = await rpc.call<string>('eth_call', [
    { to: deployment.contract, data: iface.encodeFunctionData('transaction_count') },
    toHex(head),
  ]);
  return { head, events, states, transactionCount: Number(BigInt(count)) };
}

// --- the random walk -------------------------------------------------------------------------------

const prng = new Prng(SEED);
/** Every tx_id the walk buffered on some fork (re-buffering a reorged-away one is a case of its own). */
const everUsed: string[] = [];
let nextId = 0;

async function nextTimestamp(): Promise<number> {
  const latest = await rpc.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  // Mostly a second or two; sometimes past the 30 s coordination window, so that some txs expire.
  const time = Number(latest.timestamp) + (prng.chance(0.1) ? 45 : prng.int(1, 2));
  await rpc.call('evm_setNextBlockTimestamp', [toHex(time)]);
  return time;
}

/** One transaction in a block of its own; `args` may depend on that block's time. */
async function send(functionName: string, args: unknown[] | ((blockTime: number) => unknown[])): Promise<void> {
  const blockTime = await nextTimestamp();
  const data = iface.encodeFunctionData(functionName, typeof args === 'function' ? args(blockTime) : args);
  await sendAndWait(rpc, { from: deployment.operator, to: deployment.contract, data, gas: GAS });
}

function withState(truth: Truth, state: number): string[] {
  return [...truth.states].filter(([, s]) => s === state).map(([txId]) => txId);
}

async function buffer(truth: Truth): Promise<string> {
  const reorgedAway = everUsed.filter((txId) => (truth.states.get(txId) ?? 0) === 0);
  const txId =
    reorgedAway.length > 0 && prng.chance(0.3)
      ? prng.pick(reorgedAway)
      : keccakText(`reorg-property-${SEED}-${nextId++}`).toLowerCase();
  if (!everUsed.includes(txId)) {
    everUsed.push(txId);
  }
  const dependency = everUsed.length > 1 && prng.chance(0.3) ? prng.pick(everUsed) : '0x' + '00'.repeat(32);
  const origin = prng.int(0, ROLLUP_NAMES.length - 1);
  const target = (origin + prng.int(1, ROLLUP_NAMES.length - 1)) % ROLLUP_NAMES.length;
  const lead = prng.int(0, 2);
  await send('buffer_transaction', (blockTime) => [
    txId,
    rollupAddress(ROLLUP_NAMES[origin]),
    rollupAddress(ROLLUP_NAMES[target]),
    '0x01',
    dependency,
    // At or a little after its block: resolving before that fails with "Dependencies not satisfied".
    blockTime + lead,
  ]);
  return `buffer ${txId.slice(0, 10)}`;
}

/** One random step; returns what it did. */
async function step(truth: Truth): Promise<string> {
  const buffered = withState(truth, BUFFERED);
  const ready = withState(truth, READY);
  const roll = prng.next();
  if (roll < 0.12 && truth.head - CONFIRMATIONS - 2 > deployment.deployBlock + 1) {
    const depth = prng.int(1, CONFIRMATIONS + 2);
    await rpc.call('anvil_rollback', [depth]);
    const replaced = prng.int(0, depth + 1);
    for (let i = 0; i < replaced; i++) {
      await step(await readTruth());
    }
    return `reorg depth ${depth}, ${replaced} new blocks`;
  }
  if (roll < 0.4 || (buffered.length === 0 && ready.length === 0)) {
    return buffer(truth);
  }
  if (roll < 0.7 && buffered.length > 0) {
    await send('resolve_dependency', [prng.pick(buffered)]);
    return 'resolve';
  }
  if (roll < 0.85 && ready.length > 0) {
    await send('mark_executed', [prng.pick(ready)]);
    return 'execute';
  }
  await nextTimestamp();
  await rpc.call('evm_mine');
  return 'empty block';
}

// --- answers ---------------------------------------------------------------------------------------

const METRICS = ['buffered', 'ready', 'failed', 'executed', 'pending', 'silent_failures'] as const;

const column = (frame: DecodedFrame, name: string) => frame.fields.find((f) => f.name === name)?.values ?? [];
const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);
const short = (name: string) => name.replace(/^Transaction/, '');

/** Every query kind's answer, reduced to what must agree (no latencies, ages, or row order of equal rows). */
async function answers(host: PluginHost, sampleIds: string[]): Promise<Record<string, unknown>> {
  const queries: Record<string, Record<string, unknown>> = {
    metrics: { queryType: 'metrics', metrics: [...METRICS], mode: 'window' },
    events: { queryType: 'events', limit: 50_000 },
    transaction: { queryType: 'transaction', txIds: sampleIds },
    call: { queryType: 'call', functionName: 'transaction_count' },
    callState: { queryType: 'call', functionName: 'get_transaction_state', args: [sampleIds[0]] },
    health: { queryType: 'health', format: 'table' },
    variables: { queryType: 'variables', variable: 'txIds', limit: 10_000 },
  };
  const results = await host.queryData({
    settings,
    queries: Object.entries(queries).map(([refId, json]) => ({ refId, timeRange: range, json })),
  });
  const ok = (refId: string): DecodedFrame[] => {
    const result: QueryResult = results[refId];
    expect([refId, result.status, result.error]).toEqual([refId, 200, '']);
    return result.frames;
  };
  const metrics = Object.fromEntries(
    ok('metrics').map((frame) => [frame.fields[0].labels?.metric ?? frame.name, frame.fields[0].values[0]])
  );
  const [events] = ok('events');
  const eventRows = column(events, 'block')
    .map((block, i) => [
      Number(block),
      Number(column(events, 'log_index')[i]),
      short(String(column(events, 'event')[i])),
      lower(column(events, 'tx_id')[i]),
      column(events, 'reason')[i] ?? null,
    ])
    .sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  const [transaction] = ok('transaction');
  const transactionRows = column(transaction, 'tx_id')
    .map((txId, i) => [
      lower(txId),
      column(transaction, 'event')[i] == null ? null : short(String(column(transaction, 'event')[i])),
      column(transaction, 'block')[i] === null ? null : Number(column(transaction, 'block')[i]),
      column(transaction, 'state_raw')[i],
    ])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  const lastValue = (frames: DecodedFrame[]) => Number(frames[0].fields[frames[0].fields.length - 1].values[0]);
  const [health] = ok('health');
  const healthValues = Object.fromEntries(
    ['up', 'head_block', 'code_present', 'transaction_count', 'coordination_window_seconds', 'accepting'].map(
      (name) => [name, column(health, name)[0]]
    )
  );
  const [variables] = ok('variables');
  return {
    metrics,
    events: eventRows,
    transaction: transactionRows,
    call: lastValue(ok('call')),
    callState: lastValue(ok('callState')),
    health: healthValues,
    variables: column(variables, 'value').map(lower).sort(),
  };
}

/** The same answers computed from the chain reading. */
function expected(truth: Truth, sampleIds: string[]): Partial<Record<string, unknown>> {
  const of = (name: string) => truth.events.filter((e) => e.event === name);
  const readyIds = new Set(of('TransactionReady').map((e) => e.txId));
  const failedIds = new Set(of('TransactionFailed').map((e) => e.txId));
  const bufferedIds = [...new Set(of('TransactionBuffered').map((e) => e.txId))];
  return {
    metrics: {
      buffered: of('TransactionBuffered').length,
      ready: of('TransactionReady').length,
      failed: of('TransactionFailed').length,
      executed: of('TransactionReady').filter((e) => truth.states.get(e.txId) === EXECUTED).length,
      // judged at the range's end, far past every deadline
      pending: 0,
      silent_failures: bufferedIds.filter((txId) => !readyIds.has(txId) && !failedIds.has(txId)).length,
    },
    events: truth.events.map((e) => [e.block, e.logIndex, short(e.event), e.txId, e.reason]),
    transaction: sampleIds
      .flatMap((txId) => {
        const own = truth.events.filter((e) => e.txId === txId);
        const state = truth.states.get(txId) ?? 0;
        return own.length === 0 ? [[txId, null, null, state]] : own.map((e) => [txId, short(e.event), e.block, state]);
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    call: truth.transactionCount,
    callState: truth.states.get(sampleIds[0]) ?? 0,
    variables: [...bufferedIds].sort(),
  };
}

async function freshAnswers(sampleIds: string[]): Promise<Record<string, unknown>> {
  const fresh = await PluginHost.start();
  try {
    return await answers(fresh, sampleIds);
  } finally {
    await fresh.kill();
  }
}

it(
  `every query kind agrees with a fresh process and with the chain after random reorgs (seed ${SEED})`,
  async () => {
    let checks = 0;
    let reorgs = 0;
    let executedAfterReorg = 0;
    for (let i = 0; i < STEPS; i++) {
      const did = await step(await readTruth());
      const isReorg = did.startsWith('reorg');
      reorgs += isReorg ? 1 : 0;
      // After every reorg, after executions (so that a later reorg may remove one the backend has seen), and
      // now and then.
      if (!isReorg && did !== 'execute' && i % 6 !== 5) {
        continue;
      }
      // Past the head the panels of one refresh share.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const truth = await readTruth();
      const sampleIds = [...new Set([prng.pick(everUsed), prng.pick(everUsed), prng.pick(everUsed)])];
      const long = await answers(longLived, sampleIds);
      const fresh = await freshAnswers(sampleIds);
      const context = `step ${i} (${did}), head ${truth.head}`;
      expect({ context, ...long }).toEqual({ context, ...fresh });
      const { health, ...comparable } = long;
      expect({ context, ...comparable }).toEqual({ context, ...expected(truth, sampleIds) });
      expect({ context, health }).toEqual({
        context,
        health: expect.objectContaining({ up: 1, head_block: truth.head, transaction_count: truth.transactionCount }),
      });
      checks++;
      if (isReorg && (long.metrics as Record<string, number>).executed > 0) {
        executedAfterReorg++;
      }
    }
    report.push(`${checks} checks, ${reorgs} reorgs (${executedAfterReorg} with executed txs counted), all agreed`);
    expect(reorgs).toBeGreaterThan(3);
  },
  SOAK ? 3_600_000 : 170_000
);

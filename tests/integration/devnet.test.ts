// The devnet and its simulator against real anvil chains: the ledger must agree with the chain.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Interface } from 'ethers';
import {
  buildFor,
  readDeploymentsFile,
  startDevnet,
  writeDeploymentsFile,
  type Deployment,
  type Devnet,
} from '../../devnet/devnet';
import { readLedger, summarizeLedger, type LedgerEntry } from '../../devnet/ledger';
import { TxState } from '../../devnet/model';
import { JsonRpc } from '../../devnet/rpc';
import { runSimulation } from '../../devnet/simulator';

interface ChainLog {
  address: string;
  topics: string[];
  data: string;
  transactionHash: string;
  blockNumber: string;
  blockTimestamp?: string;
}

const LEDGER_EVENTS = [
  'TransactionBuffered',
  'TransactionReady',
  'TransactionFailed',
  'EmergencyPause',
  'EmergencyUnpause',
];

function ifaceOf(deployment: Deployment): Interface {
  return new Interface(buildFor(deployment.abi, deployment.build).abi);
}

function normalize(value: unknown): string {
  return String(value).toLowerCase();
}

async function logsOf(deployment: Deployment, fromBlock: number, toBlock: number): Promise<ChainLog[]> {
  const iface = ifaceOf(deployment);
  const topics = LEDGER_EVENTS.filter((name) => iface.getEvent(name)).map((name) => iface.getEvent(name)!.topicHash);
  return new JsonRpc(deployment.rpcUrl).call<ChainLog[]>('eth_getLogs', [
    {
      address: deployment.contract,
      fromBlock: `0x${fromBlock.toString(16)}`,
      toBlock: `0x${toBlock.toString(16)}`,
      topics: [topics],
    },
  ]);
}

/**
 * Holds every ledger entry of one deployment against the chain: logs (eth_getLogs, decoded and
 * compared arg by arg), receipt status of every transaction, and the final state of every tx_id.
 */
async function expectLedgerMatchesChain(deployment: Deployment, entries: LedgerEntry[]): Promise<ChainLog[]> {
  const rpc = new JsonRpc(deployment.rpcUrl);
  const iface = ifaceOf(deployment);
  const mine = entries.filter((e) => e.deployment === deployment.name);
  expect(mine.length).toBeGreaterThan(0);
  const fromBlock = Math.min(...mine.map((e) => e.blockNumber));
  const toBlock = Math.max(...mine.map((e) => e.blockNumber));

  const logs = await logsOf(deployment, fromBlock, toBlock);
  const byTx = new Map<string, ChainLog[]>();
  for (const log of logs) {
    byTx.set(log.transactionHash, [...(byTx.get(log.transactionHash) ?? []), log]);
  }
  expect(logs.length).toBe(mine.reduce((sum, e) => sum + e.events.length, 0));
  for (const entry of mine) {
    const decoded = (byTx.get(entry.txHash) ?? []).map((log) => {
      const parsed = iface.parseLog(log)!;
      return {
        name: parsed.name,
        args: Object.fromEntries(
          Object.keys(entry.events.find((e) => e.name === parsed.name)?.args ?? {}).map((k) => [
            k,
            normalize(parsed.args.getValue(k)),
          ])
        ),
      };
    });
    const expected = entry.events.map((e) => ({
      name: e.name,
      args: Object.fromEntries(Object.entries(e.args).map(([k, v]) => [k, normalize(v)])),
    }));
    expect({ tx: entry.txHash, logs: decoded }).toEqual({ tx: entry.txHash, logs: expected });
  }

  const receipts = await rpc.batch<{ status: string; blockNumber: string }>(
    mine.map((e) => ({ method: 'eth_getTransactionReceipt', params: [e.txHash] }))
  );
  expect(receipts.map((r) => r.status)).toEqual(mine.map((e) => (e.outcome === 'mined' ? '0x1' : '0x0')));
  expect(receipts.map((r) => Number(r.blockNumber))).toEqual(mine.map((e) => e.blockNumber));

  const finalState = new Map<string, number>();
  for (const entry of mine) {
    if (entry.txId && entry.state !== undefined) {
      finalState.set(entry.txId, entry.state);
    }
  }
  const ids = [...finalState.keys()];
  const results = await rpc.batch<string>(
    ids.map((tx) => ({
      method: 'eth_call',
      params: [{ to: deployment.contract, data: iface.encodeFunctionData('get_transaction_state', [tx]) }, 'latest'],
    }))
  );
  expect(results.map(Number)).toEqual(ids.map((tx) => finalState.get(tx)));
  return logs;
}

describe('devnet', () => {
  let devnet: Devnet;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'devnet-test-'));
    devnet = await startDevnet();
  });

  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts three rollup-named chains with Simple, Buffer and the Vyper build', async () => {
    expect(devnet.deployments.map((d) => [d.name, d.chainId, d.abi, d.build])).toEqual([
      ['optimism', 31010, 'simple', 'solidity'],
      ['arbitrum', 31020, 'buffer', 'solidity'],
      ['base', 31030, 'simple', 'vyper'],
    ]);
    for (const d of devnet.deployments) {
      const rpc = new JsonRpc(d.rpcUrl);
      expect(Number(await rpc.call('eth_chainId'))).toBe(d.chainId);
      expect((await rpc.call<string>('eth_getCode', [d.contract, 'latest'])).length).toBeGreaterThan(2);
      expect(await rpc.call<string>('eth_getCode', [d.contract, `0x${(d.deployBlock - 1).toString(16)}`])).toBe('0x');
    }
    const file = path.join(dir, 'deployments.json');
    writeDeploymentsFile(file, devnet.deployments);
    expect(readDeploymentsFile(file)).toEqual(devnet.deployments);
  });

  test('live simulation: the ledger agrees with logs, receipts and states on every chain', async () => {
    const ledgerPath = path.join(dir, 'live.jsonl');
    const result = await runSimulation({
      deployments: devnet.deployments,
      seed: 42,
      until: { lifecycles: 45 },
      ratePerMinute: 300,
      maxResolveDelay: 3,
      maxPauseSeconds: 2,
      mix: { crossRollup: 0.3, pause: 0.05, burst: 0.05, expire: 0.25, dependencyChain: 0.4, dependencyEarly: 0.6 },
      ledgerPath,
    });
    expect(readLedger(ledgerPath)).toEqual(result.entries);

    for (const deployment of devnet.deployments) {
      const logs = await expectLedgerMatchesChain(deployment, result.entries);
      const iface = ifaceOf(deployment);
      const count = (name: string) => logs.filter((l) => iface.getEvent(name)?.topicHash === l.topics[0]).length;
      const summary = summarizeLedger(result.entries, { deployment: deployment.name });
      expect([summary.buffered, summary.ready, summary.failed, summary.pauses, summary.unpauses]).toEqual(
        ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause', 'EmergencyUnpause'].map(
          count
        )
      );
      // Resolution times come from block timestamps of the Buffered and Ready logs.
      const blockTimeOfLog = (name: string, tx: string) =>
        Number(logs.find((l) => l.topics[0] === iface.getEvent(name)!.topicHash && l.topics[1] === tx)!.blockTimestamp);
      for (const r of summary.resolutionTimes) {
        expect(r.seconds).toBe(
          blockTimeOfLog('TransactionReady', r.txId) - blockTimeOfLog('TransactionBuffered', r.txId)
        );
      }
      if (deployment.abi === 'buffer') {
        expect(count('TransactionFailed')).toBe(0);
      } else {
        expect(summary.failedByReason['Transaction expired']).toBeGreaterThan(0);
      }
    }

    // Both legs of a cross-rollup transaction: one tx_id buffered on two chains.
    const legs = new Map<string, Set<string>>();
    for (const e of result.entries) {
      if (e.action === 'buffer' && e.outcome === 'mined' && e.crossRollup) {
        legs.set(e.txId!, (legs.get(e.txId!) ?? new Set()).add(e.deployment));
      }
    }
    const twoLegged = [...legs.entries()].filter(([, chains]) => chains.size === 2);
    expect(twoLegged.length).toBeGreaterThan(0);
    const [txId, chains] = twoLegged[0];
    for (const name of chains) {
      const d = devnet.deployments.find((x) => x.name === name)!;
      const state = await new JsonRpc(d.rpcUrl).call<string>('eth_call', [
        { to: d.contract, data: ifaceOf(d).encodeFunctionData('get_transaction_state', [txId]) },
        'latest',
      ]);
      expect(Number(state)).not.toBe(TxState.UNKNOWN);
    }
  });

  test('fast mode writes the requested events over the requested days', async () => {
    const days = 2;
    const events = 1500;
    const result = await runSimulation({ deployments: devnet.deployments, seed: 7, fast: { days, events } });
    const written = Object.values(result.eventsByDeployment).reduce((a, b) => a + b, 0);
    expect(written).toBeGreaterThanOrEqual(events);
    expect(written).toBeLessThan(events * 1.2);

    let onChain = 0;
    for (const deployment of devnet.deployments) {
      const logs = await expectLedgerMatchesChain(deployment, result.entries);
      onChain += logs.length;
      const times = logs.map((l) => Number(l.blockTimestamp));
      const span = Math.max(...times) - Math.min(...times);
      expect(span).toBeGreaterThan(days * 86400 * 0.8);
      expect(span).toBeLessThan(days * 86400 * 1.2);

      // Block times are chosen, so the traffic mix is reproducible from the seed: every kind occurs.
      const summary = summarizeLedger(result.entries, { deployment: deployment.name });
      expect(summary.ready).toBeGreaterThan(0);
      expect(summary.executed).toBeGreaterThan(0);
      expect(summary.pendingExpired).toBeGreaterThan(0);
      if (deployment.abi === 'buffer') {
        expect(summary.silentFailuresByReason['Transaction expired']).toBeGreaterThan(0);
        expect(summary.silentFailuresByReason['Dependencies not satisfied or timing invalid']).toBeGreaterThan(0);
        expect(summary.pauses).toBeGreaterThan(0);
        expect(summary.failed).toBe(0);
      } else {
        expect(summary.failedByReason['Transaction expired']).toBeGreaterThan(0);
        expect(summary.failedByReason['Dependencies not satisfied']).toBeGreaterThan(0);
      }
    }
    expect(onChain).toBe(written);
    const crossLegs = new Map<string, number>();
    for (const e of result.entries.filter((x) => x.action === 'buffer' && x.outcome === 'mined' && x.crossRollup)) {
      crossLegs.set(e.txId!, (crossLegs.get(e.txId!) ?? 0) + 1);
    }
    expect([...crossLegs.values()].filter((n) => n === 2).length).toBeGreaterThan(0);
  });
});

/**
 * Alert scenarios: the provisioned rules, evaluated minute by minute against a real devnet through
 * the built backend executable (as Grafana's alert engine calls it), with Grafana's expression and
 * state semantics from tests/support/alert-eval, and every alert sent through its Alertmanager model
 * to count notifications. Each scenario drives one deployment into a rule's condition and out again;
 * the other deployments carry on, so each rule's instances are per chain. A second part runs a
 * 30-minute RPC outage and a backend crash with failures during both: each failure notifies once.
 *
 * Chain clocks are set block by block (evm_setNextBlockTimestamp) and start 3 hours behind the wall
 * clock, so a minute of alert time costs no waiting. The backend measures head age against the wall
 * clock, which makes every head stale until the chains catch up with it at the end: that is the
 * chain-head-stale scenario.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { id, Interface } from 'ethers';
import YAML from 'yaml';
import { startDevnet, type Deployment, type Devnet } from '../../devnet';
import { toHex } from '../../devnet/rpc';
import { DeploymentDriver } from '../../devnet/driver';
import { LedgerWriter, type LedgerIntent } from '../../devnet/ledger';
import type { ContractCall } from '../../devnet/model';
import { rollupAddress } from '../../devnet/rollups';
import {
  AlertmanagerModel,
  EXPRESSION_UID,
  framesToOutcome,
  RuleStateTracker,
  type AlertState,
  type Labels,
  type Outcome,
  type RuleDefinition,
} from '../support/alert-eval';
import { alertingHeaders, PluginHost, type SettingsInput } from '../../harness/plugin-host';
import { startRpcProxy, type RpcProxy } from '../../harness/rpc-proxy';
import { provisionedDataSource, provisionedSettings } from '../../harness/workload';

const ROOT = path.resolve(__dirname, '..', '..');
const MINUTE = 60;
const BACKDATE_SECONDS = 3 * 3600;
/** The backend reuses an index sync younger than this (dashboard panels refresh together). */
const BACKEND_SYNC_REUSE_MS = 1100;
/** The backend's longest backoff before retrying a failed RPC endpoint (src/backend/chain/rpc.ts). */
const RPC_BACKOFF_MAX_MS = 30_000;
/** Storage slot of TesseractBuffer's `circuit_breaker_active` (it can never trip by itself: _fail reverts). */
const CIRCUIT_BREAKER_SLOT = 9;
const ZERO_TX_ID = `0x${'00'.repeat(32)}`;
const PAYLOAD = `0x${'ab'.repeat(32)}`;

type Json = Record<string, any>;

const provisioned = provisionedDataSource();
const alertingFile = (name: string) =>
  YAML.parse(readFileSync(path.join(ROOT, 'provisioning/alerting', name), 'utf8')) as Json;
const ruleGroup: Json = alertingFile('rules.yaml').groups[0];
const rules: RuleDefinition[] = ruleGroup.rules;
const INTERVAL_SECONDS = Number(/^(\d+)s$/.exec(ruleGroup.interval)![1]);
/** Contact points → whether any of their integrations sends resolved messages. */
const sendResolved: Record<string, boolean> = {};
for (const name of ['contact-points-slack.yaml', 'contact-points-pagerduty.yaml', 'contact-points-webhook.yaml']) {
  for (const contactPoint of alertingFile(name).contactPoints as Json[]) {
    const anyResolved = (contactPoint.receivers as Json[]).some((r) => !r.disableResolveMessage);
    sendResolved[contactPoint.name] = (sendResolved[contactPoint.name] ?? false) || anyResolved;
  }
}
const FAILURE_FEED = 'tesseract-failures';

// ------------------------------------------------------------------------------------------------
// The world: chains, drivers with explicit block times, the plugin, one tracker per rule.

interface Chain {
  deployment: Deployment;
  driver: DeploymentDriver;
  proxy: RpcProxy;
  /** Timestamp of the chain's latest block (we set every one). */
  clock: number;
}

let devnet: Devnet;
let plugin: PluginHost;
let settings: SettingsInput;
const chains = new Map<string, Chain>();
const trackers = new Map(rules.map((rule) => [rule.uid, new RuleStateTracker(rule, INTERVAL_SECONDS)]));
const alertmanager = new AlertmanagerModel(sendResolved);
/** Set while the backend process is down: Grafana's queries to it fail. */
let backendDown = false;
/** history[tick][ruleUid] = instances after that tick's evaluation. */
const history: Array<Record<string, Array<{ labels: Labels; state: AlertState }>>> = [];
let tickStart = 0;
let lastQuery = 0;
let txCounter = 0;
interface Failure {
  txId: string;
  reason: string;
  /** Chain time of its block, ms. */
  at: number;
}
/** tx_ids of the failures the bursts produced, with their reasons (from receipts). */
const burstFailures: Failure[] = [];

function chain(name: string): Chain {
  const found = chains.get(name);
  if (!found) {
    throw new Error(`no chain ${name}`);
  }
  return found;
}

/** Mines `call` in its own block at `at` (default: one second after the chain's latest block). */
async function send(name: string, call: ContractCall, intent: LedgerIntent, at?: number) {
  const c = chain(name);
  const time = Math.max(c.clock + 1, at ?? 0);
  await c.driver.rpc.call('evm_setNextBlockTimestamp', [toHex(time)]);
  const result = await c.driver.sendOne({ call, intent });
  c.clock = time;
  return result;
}

function newTxId(): string {
  txCounter += 1;
  return id(`alert-scenario-${txCounter}`);
}

function bufferCall(txId: string, timestamp: number, dependency = ZERO_TX_ID): ContractCall {
  return {
    kind: 'buffer',
    txId,
    origin: rollupAddress('optimism'),
    target: rollupAddress('arbitrum'),
    payload: PAYLOAD,
    dependency,
    timestamp,
  };
}

/** Two transactions buffered and resolved a few seconds later: 2 tx/min, all ready. */
async function healthyTraffic(name: string): Promise<void> {
  const ids = [newTxId(), newTxId()];
  for (const txId of ids) {
    const at = chain(name).clock + 1;
    await send(name, bufferCall(txId, at), 'lifecycle', at);
  }
  for (const txId of ids) {
    await send(name, { kind: 'resolve', txId }, 'lifecycle');
  }
}

/** Two healthy lifecycles plus two whose dependency never becomes ready (TransactionFailed on Simple). */
async function failureBurst(name: string, into = burstFailures): Promise<void> {
  await healthyTraffic(name);
  const ids = [newTxId(), newTxId()];
  for (const txId of ids) {
    const at = chain(name).clock + 1;
    await send(name, bufferCall(txId, at, newTxId()), 'burst', at);
  }
  for (const txId of ids) {
    const { outcome } = await send(name, { kind: 'resolve', txId }, 'burst');
    const failed = outcome.events.find((event) => event.name === 'TransactionFailed');
    if (!failed) {
      throw new Error(`expected a TransactionFailed for ${txId} on ${name}`);
    }
    into.push({ txId: txId.toLowerCase(), reason: String(failed.args.reason), at: chain(name).clock * 1000 });
  }
}

/** Buffers two transactions due in 100 s and resolves those buffered two minutes ago: ~120 s to ready. */
const slowQueue: Array<{ txId: string; dueTick: number }> = [];
async function slowTraffic(name: string, tick: number, buffer: boolean): Promise<void> {
  if (buffer) {
    for (let i = 0; i < 2; i++) {
      const txId = newTxId();
      await send(name, bufferCall(txId, chain(name).clock + 101), 'lifecycle');
      slowQueue.push({ txId, dueTick: tick + 2 });
    }
  }
  while (slowQueue.length > 0 && slowQueue[0].dueTick <= tick) {
    const { txId } = slowQueue.shift()!;
    const { outcome } = await send(name, { kind: 'resolve', txId }, 'lifecycle');
    if (!outcome.events.some((event) => event.name === 'TransactionReady')) {
      throw new Error(`slow transaction ${txId} did not become ready`);
    }
  }
}

/** A transaction buffered due now and never resolved: BUFFERED past its expiry 30 s later. */
async function abandonTransaction(name: string): Promise<void> {
  const at = chain(name).clock + 1;
  await send(name, bufferCall(newTxId(), at), 'expire', at);
}

async function setCircuitBreaker(name: string, active: boolean): Promise<void> {
  const c = chain(name);
  const slot = toHex(CIRCUIT_BREAKER_SLOT);
  await c.driver.rpc.call('anvil_setStorageAt', [
    c.deployment.contract,
    slot,
    `0x${(active ? 1 : 0).toString(16).padStart(64, '0')}`,
  ]);
  const iface = new Interface(['function circuit_breaker_active() view returns (bool)']);
  const raw = await c.driver.rpc.call<string>('eth_call', [
    { to: c.deployment.contract, data: iface.encodeFunctionData('circuit_breaker_active') },
    'latest',
  ]);
  if (iface.decodeFunctionResult('circuit_breaker_active', raw)[0] !== active) {
    throw new Error(`storage slot ${CIRCUIT_BREAKER_SLOT} is not circuit_breaker_active on ${name}`);
  }
}

/**
 * Grafana evaluates every 60 s, longer than the backend's longest RPC backoff (30 s), so the first
 * evaluation after an outage finds the endpoint retried. Here a minute passes in a second: wait out
 * the backoff in wall time (probing through the plugin, not counted as an evaluation).
 */
async function waitOutRpcBackoff(name: string): Promise<void> {
  const probe = {
    refId: 'probe',
    queryType: 'health',
    json: { refId: 'probe', queryType: 'health', deployments: [name], format: 'value', field: 'up' },
    timeRange: { fromMs: Date.now() - 60_000, toMs: Date.now() },
  };
  const deadline = Date.now() + RPC_BACKOFF_MAX_MS + 5000;
  while (Date.now() < deadline) {
    const result = await plugin.queryData({ settings, queries: [probe], user: null });
    if (result.probe?.frames[0]?.fields[0]?.values[0] === 1) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the backend did not reach ${name} again within ${RPC_BACKOFF_MAX_MS} ms of its RPC coming back`);
}

/** Moves every chain to the start of tick `tick` (one empty block at that time). */
async function startTick(tick: number): Promise<number> {
  const time = tickStart + tick * MINUTE;
  for (const c of chains.values()) {
    await c.driver.rpc.call('evm_setNextBlockTimestamp', [toHex(time)]);
    await c.driver.rpc.call('evm_mine');
    c.clock = time;
  }
  return time;
}

async function queryRule(rule: RuleDefinition, nowMs: number): Promise<Record<string, Outcome>> {
  if (backendDown) {
    // Grafana cannot reach the plugin: every query of the rule fails.
    return Object.fromEntries(
      rule.data
        .filter((entry) => entry.datasourceUid !== EXPRESSION_UID)
        .map((entry) => [entry.refId, { kind: 'error', message: 'plugin unavailable' }])
    );
  }
  const queries = rule.data
    .filter((entry) => entry.datasourceUid !== EXPRESSION_UID)
    .map((entry) => ({
      refId: entry.refId,
      queryType: entry.model.queryType as string,
      json: entry.model,
      timeRange: {
        fromMs: nowMs - entry.relativeTimeRange!.from * 1000,
        toMs: nowMs - entry.relativeTimeRange!.to * 1000,
      },
    }));
  const results = await plugin.queryData({ settings, queries, headers: alertingHeaders(rule.uid), user: null });
  return Object.fromEntries(
    queries.map(({ refId }): [string, Outcome] => {
      const result = results[refId];
      if (!result) {
        return [refId, { kind: 'nodata' }];
      }
      if (result.error || result.status >= 400) {
        return [refId, { kind: 'error', message: result.error }];
      }
      return [refId, framesToOutcome(result.frames)];
    })
  );
}

/** One evaluation of every rule at `nowMs`, as the scheduler would run them. */
async function evaluateAll(nowMs: number): Promise<void> {
  // The blocks mined since the previous evaluation must not fall into a reused sync.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastQuery + BACKEND_SYNC_REUSE_MS - Date.now())));
  const snapshot: (typeof history)[number] = {};
  const sent = [];
  for (const rule of rules) {
    const tracker = trackers.get(rule.uid)!;
    const instances = tracker.evaluate(nowMs, await queryRule(rule, nowMs));
    snapshot[rule.uid] = instances.map(({ labels, state }) => ({ labels, state }));
    sent.push(...tracker.postableAlerts(nowMs, { grafana_folder: ruleGroup.folder }));
  }
  lastQuery = Date.now();
  history.push(snapshot);
  alertmanager.receive(sent, nowMs);
}

// ------------------------------------------------------------------------------------------------
// Reading the history

const matchesLabels = (labels: Labels, wanted: Labels) => Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** State of the rule's instance matching `wanted` after tick `tick` (Normal when it has none). */
function stateAt(uid: string, tick: number, wanted: Labels): AlertState {
  const instance = history[tick][uid].find((i) => matchesLabels(i.labels, wanted));
  return instance?.state ?? 'Normal';
}

function timeline(uid: string, wanted: Labels): string {
  return history.map((_, tick) => stateAt(uid, tick, wanted)[0]).join('');
}

function firstTick(uid: string, wanted: Labels, state: AlertState, from = 0): number {
  for (let tick = from; tick < history.length; tick++) {
    if (stateAt(uid, tick, wanted) === state) {
      return tick;
    }
  }
  return -1;
}

const activeInstances = (tick: number, uid: string) =>
  history[tick][uid].filter((i) => i.state === 'Pending' || i.state === 'Alerting');

// ------------------------------------------------------------------------------------------------

// The scenario script, tick by tick (a tick is one minute of chain time and one evaluation).
const BASELINE_END = 5;
const BURST = { from: 6, to: 11 }; // optimism: failures
const SILENT_OPTIMISM = { from: 12, to: 20 }; // optimism: no traffic at all
const SLOW = { from: 6, to: 21 }; // base: ~120 s resolutions
const PAUSE = { from: 6, to: 8 }; // arbitrum: paused
const BREAKER = { from: 10, to: 11 }; // arbitrum: circuit breaker active
const RPC_DOWN = { from: 14, to: 16 }; // arbitrum: the backend's RPC refuses connections
const ABANDON_TICK = 19; // arbitrum: a transaction left to expire
const LAST_TICK = 35;

const within = (tick: number, range: { from: number; to: number }) => tick >= range.from && tick <= range.to;

/** TesseractSimple: a failure burst, then a stretch without any traffic. */
async function optimismScript(tick: number): Promise<void> {
  if (within(tick, BURST)) {
    await failureBurst('optimism');
  } else if (!within(tick, SILENT_OPTIMISM)) {
    await healthyTraffic('optimism');
  }
}

/** The published Vyper build: slow resolution, then healthy again. */
async function baseScript(tick: number): Promise<void> {
  if (within(tick, SLOW) || slowQueue.length > 0) {
    await slowTraffic('base', tick, within(tick, SLOW));
  } else {
    await healthyTraffic('base');
  }
}

/** TesseractBuffer: pause, circuit breaker, an RPC outage seen by the backend, an abandoned transaction. */
async function arbitrumScript(tick: number): Promise<void> {
  if (tick === PAUSE.from) {
    await send('arbitrum', { kind: 'pause' }, 'pause');
  }
  if (tick === PAUSE.to + 1) {
    await send('arbitrum', { kind: 'unpause' }, 'unpause');
  }
  if (tick === BREAKER.from || tick === BREAKER.to + 1) {
    await setCircuitBreaker('arbitrum', tick === BREAKER.from);
  }
  if (tick === RPC_DOWN.from) {
    // Only the backend goes through the proxy: the traffic itself carries on.
    chain('arbitrum').proxy.setFault({ kind: 'down' });
  }
  if (tick === RPC_DOWN.to + 1) {
    chain('arbitrum').proxy.setFault({ kind: 'none' });
    await waitOutRpcBackoff('arbitrum');
  }
  if (tick === ABANDON_TICK) {
    await abandonTransaction('arbitrum');
  }
  if (!within(tick, PAUSE) && !within(tick, BREAKER)) {
    await healthyTraffic('arbitrum');
  }
}

async function runScript(): Promise<void> {
  for (let tick = 0; tick <= LAST_TICK; tick++) {
    const time = await startTick(tick);

    await Promise.all([optimismScript(tick), baseScript(tick), arbitrumScript(tick)]);
    await evaluateAll((time + 30) * 1000);
  }
}

// Part two: the failure feed across outages. Optimism (TesseractSimple logs its failures) fails two
// transactions before, during and after a 30-minute outage of the backend's RPC to it, and while the
// backend process is down; the chain itself carries on (the traffic does not go through the proxy).
const FEED = { from: LAST_TICK + 1, to: LAST_TICK + 46 };
const OUTAGE = { from: FEED.from + 4, to: FEED.from + 33 }; // 30 evaluations without optimism
const OUTAGE_FAILURE_TICKS = [OUTAGE.from + 5, OUTAGE.from + 20, OUTAGE.to];
const CRASH = { from: OUTAGE.to + 6, to: OUTAGE.to + 7 }; // backend killed; restarted after CRASH.to
const feedFailures = {
  before: [] as Failure[],
  outage: [] as Failure[],
  crash: [] as Failure[],
  grafana: [] as Failure[],
};
const feedTicks = { outageEnd: 0, restart: 0, grafanaBack: 0 };
// Part three: Grafana itself is down for an hour (no evaluation; its Alertmanager restarts with its
// notification log and the alert states it persisted), with failures meanwhile.
const GRAFANA_DOWN = { from: FEED.to + 1, to: FEED.to + 60 };
const GRAFANA_FAILURE_TICKS = [GRAFANA_DOWN.from + 10, GRAFANA_DOWN.to - 5];
const GRAFANA_AFTER = GRAFANA_DOWN.to + 3;

async function feedScript(tick: number): Promise<void> {
  if (tick === OUTAGE.from) {
    chain('optimism').proxy.setFault({ kind: 'down' });
  }
  if (tick === OUTAGE.to + 1) {
    chain('optimism').proxy.setFault({ kind: 'none' });
    await waitOutRpcBackoff('optimism');
  }
  if (tick === CRASH.from) {
    backendDown = true;
    await plugin.kill();
  }
  if (tick === CRASH.to + 1) {
    plugin = await PluginHost.start();
    backendDown = false;
  }
  if (tick === FEED.from + 1) {
    await failureBurst('optimism', feedFailures.before);
  } else if (OUTAGE_FAILURE_TICKS.includes(tick)) {
    await failureBurst('optimism', feedFailures.outage);
  } else if (tick === CRASH.from) {
    await failureBurst('optimism', feedFailures.crash);
  } else {
    await healthyTraffic('optimism');
  }
  await Promise.all([healthyTraffic('base'), healthyTraffic('arbitrum')]);
}

async function runFeedScript(): Promise<void> {
  for (let tick = FEED.from; tick <= FEED.to; tick++) {
    const time = await startTick(tick);
    await feedScript(tick);
    await evaluateAll((time + 30) * 1000);
    if (tick === OUTAGE.to + 1) {
      feedTicks.outageEnd = (time + 30) * 1000;
    }
    if (tick === CRASH.to + 1) {
      feedTicks.restart = (time + 30) * 1000;
    }
  }
  // Let the last groups flush.
  alertmanager.advance((tickStart + (FEED.to + 1) * MINUTE) * 1000);
}

async function runGrafanaOutage(): Promise<void> {
  alertmanager.restart();
  for (let tick = GRAFANA_DOWN.from; tick <= GRAFANA_AFTER; tick++) {
    const time = await startTick(tick);
    if (GRAFANA_FAILURE_TICKS.includes(tick)) {
      await failureBurst('optimism', feedFailures.grafana);
    } else {
      await healthyTraffic('optimism');
    }
    await Promise.all([healthyTraffic('base'), healthyTraffic('arbitrum')]);
    if (tick > GRAFANA_DOWN.to) {
      feedTicks.grafanaBack ||= (time + 30) * 1000;
      await evaluateAll((time + 30) * 1000);
    }
  }
  alertmanager.advance((tickStart + (GRAFANA_AFTER + 1) * MINUTE) * 1000);
}

/** Notifications of the failure feed that carry this failure, firing and resolved. */
function feedNotifications(failure: Failure) {
  const carries = (labels: Labels) => labels.tx_id === failure.txId && labels.chain === 'optimism';
  const feed = alertmanager.notifications.filter((n) => n.receiver === FAILURE_FEED);
  return {
    firing: feed.filter((n) => n.firing.some(carries)),
    resolved: feed.filter((n) => n.resolved.some(carries)),
  };
}

beforeAll(async () => {
  const wallNow = Math.floor(Date.now() / 1000);
  devnet = await startDevnet({ genesisTimestamp: wallNow - BACKDATE_SECONDS });
  for (const deployment of devnet.deployments) {
    const proxy = await startRpcProxy(deployment.rpcUrl);
    const driver = new DeploymentDriver(deployment, new LedgerWriter());
    const latest = await driver.rpc.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
    chains.set(deployment.name, { deployment, driver, proxy, clock: Number(latest.timestamp) });
  }
  tickStart = Math.max(...[...chains.values()].map((c) => c.clock)) + MINUTE;
  settings = provisionedSettings((name) => chain(name).proxy.url);
  plugin = await PluginHost.start();
}, 120_000);

afterAll(async () => {
  await plugin?.shutdown();
  await Promise.all([...chains.values()].map((c) => c.proxy.close()));
  await devnet?.stop();
});

describe('provisioned alert rules against the devnet', () => {
  it('provisions the devnet deployments exactly (contract addresses are deterministic on anvil)', () => {
    const expected = devnet.deployments.map((d) => ({
      name: d.name,
      chainId: d.chainId,
      contract: d.contract,
      abi: d.abi,
      operator: d.operator,
    }));
    const actual = provisioned.jsonData.deployments.map((d) => ({
      name: d.name,
      chainId: d.chainId,
      contract: d.contract,
      abi: d.abi,
      operator: d.operator,
    }));
    expect(actual).toEqual(expected);
  });

  it('runs the scenario script: an hour of alert evaluations', async () => {
    await runScript();
    expect(history).toHaveLength(LAST_TICK + 1);
  }, 900_000);

  it('fires nothing on healthy traffic (the backdated heads aside)', () => {
    for (const rule of rules.filter((r) => r.uid !== 'tesseract-chain-head-stale')) {
      expect({ rule: rule.uid, active: activeInstances(BASELINE_END, rule.uid) }).toEqual({
        rule: rule.uid,
        active: [],
      });
    }
    // Every rule saw every deployment (one instance per chain), except the Buffer-only ones.
    const chainsSeen = (uid: string) => new Set(history[BASELINE_END][uid].map((i) => i.labels.chain));
    expect([...chainsSeen('tesseract-node-disconnected')].sort()).toEqual(['arbitrum', 'base', 'optimism']);
    expect([...chainsSeen('tesseract-contract-paused')]).toEqual(['arbitrum']);
  });

  it('failure burst: high failure rate and low success rate after 5 minutes, each failure with its tx_id and reason', () => {
    const optimism = { chain: 'optimism' };
    for (const uid of ['tesseract-high-failure-rate', 'tesseract-low-success-rate']) {
      const pending = firstTick(uid, optimism, 'Pending', BURST.from);
      const alerting = firstTick(uid, optimism, 'Alerting', BURST.from);
      expect({ uid, pending, timeline: timeline(uid, optimism) }).toEqual({
        uid,
        pending: BURST.from,
        timeline: expect.any(String),
      });
      expect({ uid, alerting, timeline: timeline(uid, optimism) }).toEqual({
        uid,
        alerting: BURST.from + 5,
        timeline: expect.any(String),
      });
      // The other deployments' instances stay quiet.
      expect(stateAt(uid, BURST.to, { chain: 'arbitrum' })).toBe('Normal');
    }
    expect(firstTick('tesseract-high-failure-rate', optimism, 'Normal', BURST.to)).toBeLessThanOrEqual(BURST.to + 6);

    expect(burstFailures).toHaveLength(2 * (BURST.to - BURST.from + 1));
    for (const failure of burstFailures) {
      const instance = { chain: 'optimism', tx_id: failure.txId, reason: failure.reason };
      expect({ failure, fired: firstTick('tesseract-new-failure', instance, 'Alerting') }).toEqual({
        failure,
        fired: expect.any(Number),
      });
      expect(firstTick('tesseract-new-failure', instance, 'Alerting')).toBeGreaterThanOrEqual(BURST.from);
    }
    expect(burstFailures[0].reason).toBe('Dependencies not satisfied');
    // A failure fires for as long as it is in the 2-hour window, with no reminder (see part two).
    for (const failure of burstFailures) {
      expect(stateAt('tesseract-new-failure', LAST_TICK, { tx_id: failure.txId })).toBe('Alerting');
    }
  });

  it('no traffic: low throughput fires after 5 minutes below 1 tx/min and clears when traffic resumes', () => {
    const optimism = { chain: 'optimism' };
    const alerting = firstTick('tesseract-low-throughput', optimism, 'Alerting', SILENT_OPTIMISM.from);
    expect({ alerting, timeline: timeline('tesseract-low-throughput', optimism) }).toEqual({
      alerting: expect.any(Number),
      timeline: expect.any(String),
    });
    expect(alerting).toBeLessThanOrEqual(SILENT_OPTIMISM.to);
    expect(alerting - firstTick('tesseract-low-throughput', optimism, 'Pending', SILENT_OPTIMISM.from)).toBe(5);
    expect(firstTick('tesseract-low-throughput', optimism, 'Normal', SILENT_OPTIMISM.to + 1)).toBeLessThanOrEqual(
      SILENT_OPTIMISM.to + 4
    );
  });

  it('slow resolution: p95 above 60 s for 10 minutes warns, and clears once the slow ones leave the window', () => {
    const base = { chain: 'base' };
    const uid = 'tesseract-slow-resolution';
    const pending = firstTick(uid, base, 'Pending', SLOW.from);
    const alerting = firstTick(uid, base, 'Alerting', SLOW.from);
    expect({ pending, alerting, timeline: timeline(uid, base) }).toEqual({
      pending: expect.any(Number),
      alerting: pending + 10,
      timeline: expect.any(String),
    });
    expect(alerting).toBeLessThanOrEqual(SLOW.to + 2);
    const normal = firstTick(uid, base, 'Normal', alerting);
    expect(normal).toBeGreaterThan(SLOW.to);
    expect(normal).toBeLessThanOrEqual(SLOW.to + 2 + 11);
    expect(stateAt(uid, alerting, { chain: 'optimism' })).toBe('Normal');
  });

  it('pause: contract paused fires at once and clears on unpause', () => {
    const arbitrum = { chain: 'arbitrum' };
    const uid = 'tesseract-contract-paused';
    expect(timeline(uid, arbitrum).slice(PAUSE.from - 1, PAUSE.to + 2)).toBe(
      `N${'A'.repeat(PAUSE.to - PAUSE.from + 1)}N`
    );
  });

  it('circuit breaker: fires while it is active and clears when reset', () => {
    const arbitrum = { chain: 'arbitrum' };
    const uid = 'tesseract-circuit-breaker';
    expect(timeline(uid, arbitrum).slice(BREAKER.from - 1, BREAKER.to + 2)).toBe(
      `N${'A'.repeat(BREAKER.to - BREAKER.from + 1)}N`
    );
  });

  it('RPC down: node disconnected after 1 minute (not silence), only for that deployment, and recovers', () => {
    const uid = 'tesseract-node-disconnected';
    const arbitrum = { chain: 'arbitrum' };
    expect(stateAt(uid, RPC_DOWN.from - 1, arbitrum)).toBe('Normal');
    expect(stateAt(uid, RPC_DOWN.from, arbitrum)).toBe('Pending');
    expect(stateAt(uid, RPC_DOWN.from + 1, arbitrum)).toBe('Alerting');
    expect(stateAt(uid, RPC_DOWN.to, arbitrum)).toBe('Alerting');
    expect(timeline(uid, arbitrum).slice(RPC_DOWN.to + 1)).toMatch(/^N+$/);
    for (const other of ['optimism', 'base']) {
      expect(timeline(uid, { chain: other })).toMatch(/^N+$/);
    }
  });

  it('expiry: a transaction stuck BUFFERED past its deadline raises silent failures, clearing 10 minutes later', () => {
    const uid = 'tesseract-silent-failures';
    const arbitrum = { chain: 'arbitrum' };
    expect(stateAt(uid, ABANDON_TICK, arbitrum)).toBe('Normal');
    expect(stateAt(uid, ABANDON_TICK + 1, arbitrum)).toBe('Alerting');
    const normal = firstTick(uid, arbitrum, 'Normal', ABANDON_TICK + 1);
    expect({ normal, timeline: timeline(uid, arbitrum) }).toEqual({
      normal: ABANDON_TICK + 11,
      timeline: expect.any(String),
    });
  });

  it('runs part two: failures before, during a 30-minute RPC outage, and while the backend is down', async () => {
    await runFeedScript();
    expect(feedFailures.before).toHaveLength(2);
    expect(feedFailures.outage).toHaveLength(2 * OUTAGE_FAILURE_TICKS.length);
    expect(feedFailures.crash).toHaveLength(2);
  }, 900_000);

  it('runs part three: Grafana down for an hour, failures meanwhile', async () => {
    await runGrafanaOutage();
    expect(feedFailures.grafana).toHaveLength(2 * GRAFANA_FAILURE_TICKS.length);
  }, 600_000);

  it('notifies every failure exactly once, with its tx_id and reason, and never resolves one aloud', () => {
    const all = [
      ...burstFailures,
      ...feedFailures.before,
      ...feedFailures.outage,
      ...feedFailures.crash,
      ...feedFailures.grafana,
    ];
    console.log(
      `failures: ${all.length} (burst ${burstFailures.length}, before ${feedFailures.before.length}, RPC outage ${feedFailures.outage.length}, backend down ${feedFailures.crash.length}, Grafana down ${feedFailures.grafana.length})`
    );
    const counts = all.map((failure) => {
      const { firing, resolved } = feedNotifications(failure);
      const alert = firing[0]?.firing.find((labels) => labels.tx_id === failure.txId);
      return { txId: failure.txId, firing: firing.length, resolved: resolved.length, reason: alert?.reason };
    });
    expect(counts).toEqual(all.map((f) => ({ txId: f.txId, firing: 1, resolved: 0, reason: f.reason })));
    // No failure-feed message says RESOLVED at all.
    expect(alertmanager.notifications.filter((n) => n.receiver === FAILURE_FEED && n.resolved.length > 0)).toEqual([]);
  });

  it('notifies the failures of each outage within a minute of the RPC, the backend or Grafana being back', () => {
    for (const failure of feedFailures.outage) {
      const [notification] = feedNotifications(failure).firing;
      expect(notification.time).toBeGreaterThanOrEqual(feedTicks.outageEnd);
      expect(notification.time).toBeLessThanOrEqual(feedTicks.outageEnd + 60_000);
    }
    for (const failure of feedFailures.crash) {
      const [notification] = feedNotifications(failure).firing;
      expect(notification.time).toBeGreaterThanOrEqual(feedTicks.restart);
      expect(notification.time).toBeLessThanOrEqual(feedTicks.restart + 60_000);
    }
    for (const failure of feedFailures.grafana) {
      const [notification] = feedNotifications(failure).firing;
      expect(notification.time).toBeGreaterThanOrEqual(feedTicks.grafanaBack);
      expect(notification.time).toBeLessThanOrEqual(feedTicks.grafanaBack + 60_000);
    }
  });

  it('is not silent during the outages: the RPC outage pages once, the dead backend raises DatasourceError and pages', () => {
    const window = (from: number, to: number) => (n: { time: number }) => n.time >= from && n.time < to;
    const outage = window((tickStart + OUTAGE.from * MINUTE) * 1000, feedTicks.outageEnd);
    const disconnected = alertmanager.notifications.filter(
      (n) =>
        outage(n) &&
        n.receiver === 'tesseract-critical' &&
        n.firing.some((l) => l.alertname === 'Tesseract node disconnected' && l.chain === 'optimism')
    );
    expect(disconnected).toHaveLength(1);
    const crash = window((tickStart + CRASH.from * MINUTE) * 1000, feedTicks.restart);
    const crashNotifications = alertmanager.notifications.filter(crash);
    expect(
      crashNotifications.filter(
        (n) => n.receiver === FAILURE_FEED && n.firing.some((l) => l.alertname === 'DatasourceError')
      )
    ).toHaveLength(1);
    expect(
      crashNotifications.some(
        (n) =>
          n.receiver === 'tesseract-critical' && n.firing.some((l) => l.alertname === 'Tesseract node disconnected')
      )
    ).toBe(true);
    // For the closing note: what each receiver got over part two.
    const partTwo = alertmanager.notifications.filter(
      window((tickStart + FEED.from * MINUTE) * 1000, (tickStart + GRAFANA_DOWN.from * MINUTE) * 1000)
    );
    const summary: Record<string, { firing: number; resolved: number }> = {};
    for (const n of partTwo) {
      const entry = (summary[n.receiver] ??= { firing: 0, resolved: 0 });
      entry[n.firing.length > 0 ? 'firing' : 'resolved']++;
    }
    console.log(`part two notifications per receiver: ${JSON.stringify(summary)}`);
  });

  it('chain head stale: stale while the chains lag the wall clock, normal once a fresh block arrives', async () => {
    const uid = 'tesseract-chain-head-stale';
    for (const name of ['optimism', 'arbitrum', 'base']) {
      expect(stateAt(uid, BASELINE_END, { chain: name })).toBe('Alerting');
    }
    const wallNow = Math.floor(Date.now() / 1000);
    for (const c of chains.values()) {
      await c.driver.rpc.call('evm_setNextBlockTimestamp', [toHex(wallNow)]);
      await c.driver.rpc.call('evm_mine');
    }
    await evaluateAll(wallNow * 1000);
    for (const name of ['optimism', 'arbitrum', 'base']) {
      expect(stateAt(uid, history.length - 1, { chain: name })).toBe('Normal');
    }
  });

  it('pending overdue: the slow transactions on base warn while they wait past half their window, not after', () => {
    const uid = 'tesseract-pending-overdue';
    const base = { chain: 'base' };
    expect(stateAt(uid, BASELINE_END, base)).toBe('Normal');
    expect(stateAt(uid, SLOW.from, base)).toBe('Alerting');
    expect(timeline(uid, { chain: 'optimism' }).slice(0, LAST_TICK + 1)).toMatch(/^N+$/);
    expect(timeline(uid, base).slice(SLOW.to + 3, LAST_TICK + 1)).toMatch(/^N+$/);
  });

  it('ends the script with every alert resolved (head staleness and the 2-hour failure feed aside)', () => {
    const lasting = ['tesseract-chain-head-stale', 'tesseract-new-failure'];
    for (const rule of rules.filter((r) => !lasting.includes(r.uid))) {
      const last = LAST_TICK;
      expect({ rule: rule.uid, active: activeInstances(last, rule.uid) }).toEqual({ rule: rule.uid, active: [] });
    }
  });
});

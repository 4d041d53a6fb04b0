// The bench's rows on generated histories (bench/synthetic-history.ts), served by synthetic nodes: warm
// refreshes and alert evaluations at sizes anvil cannot build, the cold backfill of 1M events through the
// recording proxy's provider limits, twenty deployments in one data source (one of them dead), peak RSS.
// Every size's answers are checked against the history's ground truth: a wrong number fails the bench.
import { rpcUrlsKey, type DeploymentSettings } from '../src/query';
import type { PluginHost, QueryResult, SettingsInput } from '../harness/plugin-host';
import { startRpcProxy, type RpcProxy } from '../harness/rpc-proxy';
import { dashboardRequests, type PanelRequest } from '../harness/workload';
import {
  cpuMark,
  cpuSince,
  evaluateAlerts,
  log,
  median,
  minimumGetLogsCalls,
  peakRssMb,
  PROVIDER_LIMIT,
  refreshPanels,
  REFRESH_GAP_MS,
  sleep,
  startBackend,
  type RunResult,
  warmUp,
} from './measure';
import { startHistoryChain, type HistoryChain } from './synthetic-chain';
import {
  generateHistory,
  groundTruth,
  mismatches,
  TRUTH_METRICS,
  type SyntheticHistory,
  type Variant,
} from './synthetic-history';

export const DAYS = 7;
const RANGE_MS = DAYS * 86_400_000;
export const BLOCK_SECONDS = 2;
export const COORDINATION_WINDOW = 3600;
/** Widest eth_getLogs the deployments are configured for (Alchemy serves wider spans holding ≤ 10K logs). */
export const MAX_BLOCK_RANGE = 10_000;

export interface SyntheticOptions {
  runs: number;
  /** NODE_OPTIONS for the backend process. */
  backendNodeOptions?: string;
  /** Per-request latency the proxy adds to each eth_getLogs in the cold backfill row. */
  latencyMs: number;
}

export interface SyntheticRow {
  row: string;
  events: number;
  deployments: number;
  runs: number;
  wallMs: number;
  serverMs?: number;
  /** The part of serverMs on the backend's main thread, when measured. */
  mainThreadMs?: number;
  peakRssMb?: number;
  errors: string[];
}

export interface BackfillRow {
  events: number;
  getLogs: number;
  minimum: number;
  wallMs: number;
  /** Sum of the proxy's reply times for those eth_getLogs (its latency plus the node's own time). */
  providerMs: number;
  latencyMs: number;
  rangeRejections: number;
  peakRssMb: number;
}

export interface TruthCheck {
  label: string;
  checked: number;
  wrong: string[];
}

export interface Served {
  name: string;
  history: SyntheticHistory;
  chain: HistoryChain;
  proxy?: RpcProxy;
}

export async function serve(
  name: string,
  chainId: number,
  variant: Variant,
  seed: number,
  events: number
): Promise<Served> {
  const history = generateHistory({
    seed,
    events,
    variant,
    endTime: Math.floor(Date.now() / 1000) - 30,
    days: DAYS,
    blockSeconds: BLOCK_SECONDS,
    coordinationWindow: COORDINATION_WINDOW,
  });
  const chain = await startHistoryChain({ chainId, contract: contractOf(chainId), history });
  return { name, history, chain };
}

const contractOf = (chainId: number) => `0x${chainId.toString(16).padStart(40, '0')}`;

function deploymentOf(served: Served, chainId: number): DeploymentSettings {
  return {
    id: served.name,
    name: served.name,
    chainId,
    contract: contractOf(chainId),
    abi: served.history.options.variant,
    startBlock: 1,
    confirmations: 5,
    maxBlockRange: MAX_BLOCK_RANGE,
  } as DeploymentSettings;
}

export function settingsOf(
  uid: string,
  deployments: Array<{ served: Served; chainId: number; url: string }>
): SettingsInput {
  return {
    uid,
    jsonData: { deployments: deployments.map((d) => deploymentOf(d.served, d.chainId)) },
    secureJsonData: Object.fromEntries(deployments.map((d) => [rpcUrlsKey(d.served.name), d.url])),
  };
}

/**
 * The provisioned dashboard's requests for these deployments; without a Buffer deployment, not the pause
 * annotation (it names events only the Buffer ABI has, and the backend rightly refuses it).
 */
function dashboardOf(served: Served[]): PanelRequest[] {
  const panels = dashboardRequests({ deployments: served.map((s) => s.name), txId: lookupTx(served[0]) });
  const pauses = served.some((s) => s.history.options.variant === 'buffer');
  return panels.filter(
    (p) => pauses || !p.targets.some((t) => JSON.stringify(t.eventNames ?? []).includes('EmergencyPause'))
  );
}

/** A ready tx of the history, for the dashboard's transaction lookup. */
function lookupTx(served: Served): string {
  const tx = served.history.readyAt.findIndex((t) => Number.isFinite(t));
  return served.chain.txId(Math.max(0, tx));
}

/** Window values of the ground truth's metrics over the range (default: the last 7 days), per deployment, against the history's truth. */
export async function checkTruth(
  host: PluginHost,
  settings: SettingsInput,
  served: Served[],
  label: string,
  range?: { fromMs: number; toMs: number }
): Promise<TruthCheck> {
  const toMs = range?.toMs ?? Date.now();
  const fromMs = range?.fromMs ?? toMs - RANGE_MS;
  const results = await host.queryData({
    settings,
    queries: [
      {
        refId: 'T',
        json: { queryType: 'metrics', metrics: [...TRUTH_METRICS], mode: 'window', deployments: [] },
        timeRange: { fromMs, toMs },
      },
    ],
  });
  const answer: QueryResult = results.T;
  const wrong: string[] = [];
  if (answer.status !== 200) {
    wrong.push(`status ${answer.status}: ${answer.error}`);
  }
  let checked = 0;
  for (const { name, history } of served) {
    const answers: Record<string, number | null> = {};
    for (const metric of TRUTH_METRICS) {
      const frame = answer.frames.find((f) => f.name === `${name} ${metric}`);
      const value = frame?.fields.find((f) => f.name === metric)?.values[0];
      answers[metric] = typeof value === 'number' ? value : null;
      if (!frame) {
        wrong.push(`${name}: no ${metric} frame`);
      }
    }
    wrong.push(...mismatches(groundTruth(history, fromMs, toMs), answers).map((m) => `${name} ${m}`));
    checked += TRUTH_METRICS.length;
  }
  log(
    `ground truth (${label}): ${checked} values, ${wrong.length} wrong${wrong.length ? `: ${wrong.slice(0, 5).join('; ')}` : ''}`
  );
  return { label, checked, wrong };
}

/**
 * The cold backfill: one metrics query over 7 days, asked again while the harness's gRPC deadline (120 s) cuts it
 * short (the index keeps the chunks it has): wall time until the answer, backend CPU over it.
 */
async function backfillOnce(host: PluginHost, settings: SettingsInput): Promise<RunResult> {
  const cpuBefore = cpuMark(host);
  const started = performance.now();
  for (;;) {
    const toMs = Date.now();
    try {
      const results = await host.queryData({
        settings,
        queries: [
          {
            refId: 'B',
            json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window', deployments: [] },
            timeRange: { fromMs: toMs - RANGE_MS, toMs },
          },
        ],
      });
      const errors = results.B.status === 200 ? [] : [`backfill: ${results.B.error}`];
      return { wallMs: performance.now() - started, serverMs: cpuSince(host, cpuBefore).allMs, errors };
    } catch (error) {
      if (!String(error).includes('DEADLINE_EXCEEDED')) {
        throw error;
      }
      log(`backfill still running after ${((performance.now() - started) / 1000).toFixed(0)} s: asking again`);
    }
  }
}

async function warmRows(
  host: PluginHost,
  settings: SettingsInput,
  panels: PanelRequest[],
  runs: number,
  record: (runs: RunResult[]) => void
): Promise<void> {
  const warmUpErrors = await warmUp(() => refreshPanels(host, settings, panels, RANGE_MS));
  const results: RunResult[] = [];
  for (let run = 0; run < runs; run++) {
    await sleep(REFRESH_GAP_MS);
    results.push(await refreshPanels(host, settings, panels, RANGE_MS));
  }
  results[0]?.errors.push(...warmUpErrors);
  record(results);
}

function summarize(
  row: string,
  events: number,
  deployments: number,
  runs: RunResult[],
  extra: Partial<SyntheticRow> = {}
): SyntheticRow {
  const middle = runs.find((r) => r.wallMs === median(runs.map((x) => x.wallMs)))!;
  const result: SyntheticRow = {
    row,
    events,
    deployments,
    runs: runs.length,
    wallMs: middle.wallMs,
    serverMs: median(runs.map((r) => r.serverMs ?? 0)),
    mainThreadMs: runs.every((r) => r.mainThreadMs !== undefined)
      ? median(runs.map((r) => r.mainThreadMs!))
      : undefined,
    errors: [...new Set(runs.flatMap((r) => r.errors))].slice(0, 5),
    ...extra,
  };
  log(
    `${events} × ${deployments} ${row}: ${result.wallMs.toFixed(0)} ms wall, backend CPU ${result.serverMs} ms${result.errors.length ? `, errors: ${result.errors.join(' | ')}` : ''}`
  );
  return result;
}

/**
 * One deployment of `events` on a synthetic node: the cold refresh (a backfill through the proxy with the
 * provider's limits and latency, when `backfill`), warm refreshes, alert evaluations, the ground truth and RSS.
 */
export async function measureOneDeployment(
  events: number,
  options: SyntheticOptions,
  backfill: boolean
): Promise<{ rows: SyntheticRow[]; truth: TruthCheck; backfill?: BackfillRow }> {
  const chainId = 42_000 + (events % 1000);
  log(`generating a ${DAYS}-day history of ~${events} events`);
  const served = await serve('synthetic', chainId, 'simple', 17, events);
  const logs = served.history.kind.length;
  const proxy = await startRpcProxy(served.chain.url);
  proxy.setRangeLimit(PROVIDER_LIMIT);
  if (backfill && options.latencyMs > 0) {
    proxy.setFault({ kind: 'slow', delayMs: options.latencyMs }, { methods: ['eth_getLogs'] });
  }
  const settings = settingsOf(`synthetic-${events}`, [{ served, chainId, url: proxy.url }]);
  const panels = dashboardOf([served]);
  const host = await startBackend(options.backendNodeOptions);
  const rows: SyntheticRow[] = [];
  try {
    const filled = await backfillOnce(host, settings);
    const cold = await refreshPanels(host, settings, panels, RANGE_MS);
    rows.push(summarize('backfill (one metrics query)', logs, 1, [filled]));
    rows.push(summarize('first full refresh', logs, 1, [cold]));
    let backfillRow: BackfillRow | undefined;
    if (backfill) {
      const getLogs = proxy.requests().filter((r) => r.methods.includes('eth_getLogs'));
      const { firstLogOfBlock } = served.history;
      backfillRow = {
        events: logs,
        getLogs: getLogs.length,
        minimum: minimumGetLogsCalls(
          (block) => firstLogOfBlock[block + 1] - firstLogOfBlock[block],
          1,
          served.history.blocks,
          MAX_BLOCK_RANGE
        ),
        wallMs: filled.wallMs,
        providerMs: getLogs.reduce((sum, r) => sum + (r.ms ?? 0), 0),
        latencyMs: options.latencyMs,
        rangeRejections: proxy.counts().rangeRejections,
        peakRssMb: peakRssMb(host.pid),
      };
      log(`cold backfill: ${JSON.stringify(backfillRow)}`);
      proxy.setFault({ kind: 'none' });
    }
    await warmRows(host, settings, panels, options.runs, (runs) => rows.push(summarize('warm', logs, 1, runs)));
    const alerts: RunResult[] = [];
    for (let run = 0; run < options.runs; run++) {
      await sleep(REFRESH_GAP_MS);
      alerts.push(await evaluateAlerts(host, settings));
    }
    rows.push(summarize('alerts (all rules)', logs, 1, alerts));
    const truth = await checkTruth(host, settings, [served], `${logs} events`);
    rows[rows.length - 1].peakRssMb = peakRssMb(host.pid);
    return { rows, truth, backfill: backfillRow };
  } finally {
    await host.shutdown();
    await proxy.close();
    await served.chain.close();
  }
}

/**
 * `count` deployments of `events` each in one data source (Simple and Buffer alternately): warm refresh; then
 * the last one's RPC goes down and the others' panels are timed again in the same full refresh.
 */
export async function measureManyDeployments(
  count: number,
  events: number,
  options: SyntheticOptions
): Promise<{ rows: SyntheticRow[]; truth: TruthCheck }> {
  log(`generating ${count} histories of ~${events} events`);
  const served: Served[] = [];
  for (let i = 0; i < count; i++) {
    served.push(
      await serve(`d${String(i + 1).padStart(2, '0')}`, 43_000 + i, i % 2 === 0 ? 'simple' : 'buffer', 100 + i, events)
    );
  }
  const dying = served[served.length - 1];
  dying.proxy = await startRpcProxy(dying.chain.url);
  const settings = settingsOf(
    `synthetic-${count}x${events}`,
    served.map((s, i) => ({ served: s, chainId: 43_000 + i, url: s.proxy?.url ?? s.chain.url }))
  );
  const panels = dashboardOf(served);
  const logs = served.reduce((sum, s) => sum + s.history.kind.length, 0);
  const host = await startBackend(options.backendNodeOptions);
  const rows: SyntheticRow[] = [];
  try {
    const filled = await backfillOnce(host, settings);
    const cold = await refreshPanels(host, settings, panels, RANGE_MS);
    rows.push(summarize('backfill (one metrics query)', logs, count, [filled]));
    rows.push(summarize('first full refresh', logs, count, [cold]));
    await warmRows(host, settings, panels, options.runs, (runs) => rows.push(summarize('warm', logs, count, runs)));
    const truth = await checkTruth(host, settings, served, `${count} deployments`);
    // The others' panels: those not naming the dying deployment (the repeated rows of the other 19).
    const others = (title: string) => !title.endsWith(`[${dying.name}]`) && panels.some((p) => p.title === title);
    const othersMs = async () => {
      const samples: number[] = [];
      const errors: string[] = [];
      for (let run = 0; run < options.runs; run++) {
        await sleep(REFRESH_GAP_MS);
        const panelMs = new Map<string, number>();
        const result = await refreshPanels(host, settings, panels, RANGE_MS, panelMs);
        errors.push(...result.errors.filter((e) => !e.includes(dying.name)));
        samples.push(
          Math.max(...[...panelMs].filter(([title]) => others(title) && title.includes('[')).map(([, ms]) => ms))
        );
      }
      return { wallMs: median(samples), errors: [...new Set(errors)].slice(0, 5) };
    };
    const alive = await othersMs();
    dying.proxy.setFault({ kind: 'down' });
    const dead = await othersMs();
    rows.push({ row: 'others, all alive', events: logs, deployments: count, runs: options.runs, ...alive });
    rows.push({
      row: `others, ${dying.name} dead`,
      events: logs,
      deployments: count,
      runs: options.runs,
      ...dead,
      peakRssMb: peakRssMb(host.pid),
    });
    log(
      `others' slowest panel: ${alive.wallMs.toFixed(0)} ms alive, ${dead.wallMs.toFixed(0)} ms with ${dying.name} dead`
    );
    return { rows, truth };
  } finally {
    await host.shutdown();
    await dying.proxy.close();
    await Promise.all(served.map((s) => s.chain.close()));
  }
}

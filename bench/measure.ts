// What the bench's rows share: the backend's CPU and memory from /proc, one dashboard refresh, one
// evaluation of the alert rules, and the fewest eth_getLogs a provider limit allows.
import { readdirSync, readFileSync } from 'node:fs';
import { alertingHeaders, PluginHost, type SettingsInput } from '../harness/plugin-host';
import type { RangeLimit } from '../harness/rpc-proxy';
import { alertRuleRequests, panelQueries, type PanelRequest } from '../harness/workload';

export interface RunResult {
  wallMs: number;
  /** CPU the backend process used during the run (user + system), when measured. */
  serverMs?: number;
  /** The part of serverMs on the backend's main thread, when measured. */
  mainThreadMs?: number;
  errors: string[];
}

/** Alchemy's limits (2K blocks, or any range with ≤ 10K logs): realistic, and they bite at these sizes. */
export const PROVIDER_LIMIT: Extract<RangeLimit, { shape: 'alchemy' }> = {
  shape: 'alchemy',
  maxSpan: 2000,
  maxResults: 10_000,
};

/** The built executable, started as Grafana starts it; `nodeOptions` (--backend-node-options) become its NODE_OPTIONS. */
export function startBackend(nodeOptions: string | undefined): Promise<PluginHost> {
  return PluginHost.start(nodeOptions ? { hostEnv: { ...process.env, NODE_OPTIONS: nodeOptions } } : {});
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Dashboards refresh every 30 s at best; wait out the backend's sync coalescing window between runs. */
export const REFRESH_GAP_MS = 2500;
/**
 * Refreshes before the measured warm ones, their answers checked but their CPU not counted: V8 is still compiling
 * the hot paths over the first ones (about twice the CPU of the later ones), which a dashboard in use has long done.
 */
export const WARM_UP_REFRESHES = 2;

/** The unmeasured warm-up refreshes, REFRESH_GAP_MS apart: the errors of their answers, to report with the measured runs'. */
export async function warmUp(refresh: () => Promise<RunResult>): Promise<string[]> {
  const errors: string[] = [];
  for (let run = 0; run < WARM_UP_REFRESHES; run++) {
    await sleep(REFRESH_GAP_MS);
    errors.push(...(await refresh()).errors);
  }
  return errors;
}
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export function currentRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/**
 * Nanoseconds each live thread of the backend has spent on a CPU, by thread id, from
 * /proc/<pid>/task/<tid>/schedstat: exact, where the user and system times of /proc/<pid>/stat are 10 ms
 * ticks, too coarse for refreshes of tens of ms. The backend's threads (main, V8's platform workers, libuv's
 * pool) live as long as the process, so none ends between two marks and takes its time with it.
 */
export type CpuMark = Map<number, number>;

export function cpuMark(host: PluginHost): CpuMark {
  const mark: CpuMark = new Map();
  for (const tid of readdirSync(`/proc/${host.pid}/task`)) {
    try {
      mark.set(Number(tid), Number(readFileSync(`/proc/${host.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return mark;
}

/** CPU the backend used since `mark`, to 0.1 ms: all its threads, and the main thread's (JavaScript's) part. */
export function cpuSince(host: PluginHost, mark: CpuMark): { allMs: number; mainMs: number } {
  const now = cpuMark(host);
  let all = 0;
  for (const [tid, ns] of now) {
    all += ns - (mark.get(tid) ?? 0);
  }
  const main = (now.get(host.pid) ?? 0) - (mark.get(host.pid) ?? 0);
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return { allMs: ms(all), mainMs: ms(main) };
}

/**
 * One dashboard refresh: every panel's request at once, as the browser sends them. `panelMs` gets each
 * panel's own wall time by title.
 */
export async function refreshPanels(
  host: PluginHost,
  settings: SettingsInput,
  panels: PanelRequest[],
  rangeMs: number,
  panelMs?: Map<string, number>
): Promise<RunResult> {
  const toMs = Date.now();
  const cpuBefore = cpuMark(host);
  const started = performance.now();
  const answers = await Promise.all(
    panels.map((panel) =>
      host.queryData({ settings, queries: panelQueries(panel, toMs - rangeMs, toMs) }).then((results) => {
        panelMs?.set(panel.title, performance.now() - started);
        return Object.entries(results)
          .filter(([, r]) => r.status !== 200)
          .map(([refId, r]) => `${panel.title}/${refId}: ${r.error}`);
      })
    )
  );
  const wallMs = performance.now() - started;
  const cpu = cpuSince(host, cpuBefore);
  return { wallMs, serverMs: cpu.allMs, mainThreadMs: cpu.mainMs, errors: answers.flat() };
}

/** One evaluation of every provisioned alert rule (rules evaluate concurrently in Grafana). */
export async function evaluateAlerts(host: PluginHost, settings: SettingsInput): Promise<RunResult> {
  const rules = alertRuleRequests();
  const now = Date.now();
  const cpuBefore = cpuMark(host);
  const started = performance.now();
  const answers = await Promise.all(
    rules.map((rule) =>
      host
        .queryData({
          settings,
          headers: alertingHeaders(rule.title),
          user: null,
          queries: rule.queries.map((q, i) => ({
            refId: typeof q.model.refId === 'string' ? q.model.refId : `Q${i}`,
            json: q.model,
            timeRange: { fromMs: now - q.fromSeconds * 1000, toMs: now - q.toSeconds * 1000 },
          })),
        })
        .then((results) =>
          Object.values(results).flatMap((r) => (r.status === 200 ? [] : [`${rule.title}: ${r.error}`]))
        )
    )
  );
  const wallMs = performance.now() - started;
  return { wallMs, serverMs: cpuSince(host, cpuBefore).allMs, errors: answers.flat() };
}

/**
 * Fewest eth_getLogs calls that cover [fromBlock, toBlock] under PROVIDER_LIMIT and maxBlockRange, given the
 * number of logs of each block (`logsOf(block)`).
 */
export function minimumGetLogsCalls(
  logsOf: (block: number) => number,
  fromBlock: number,
  toBlock: number,
  maxBlockRange: number
): number {
  const fits = (span: number, logs: number) =>
    span <= maxBlockRange && (span <= PROVIDER_LIMIT.maxSpan || logs <= PROVIDER_LIMIT.maxResults);
  // Greedy: extend each call as far as it stays acceptable (optimal, since sub-ranges of an acceptable range are acceptable).
  let calls = 0;
  let start = fromBlock;
  while (start <= toBlock) {
    let end = start;
    let logs = logsOf(start);
    while (end < toBlock && fits(end + 1 - start + 1, logs + logsOf(end + 1))) {
      end++;
      logs += logsOf(end);
    }
    calls++;
    start = end + 1;
  }
  return calls;
}

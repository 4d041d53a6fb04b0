/**
 * The shipped dashboard against the real backend: every panel, annotation and variable query,
 * interpolated as the data source's frontend would, answers over a day of simulated history, and the
 * summary table's per-column overrides (units, the guide's threshold colours) match the fields the
 * backend actually returns.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runSimulation, startDevnet, type Devnet, type LedgerEntry } from '../../devnet';
import { PluginHost, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { provisionedSettings } from '../../harness/workload';

const ROOT = path.resolve(__dirname, '..', '..');
const DAY_MS = 86_400_000;

type Json = Record<string, any>;

const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'src/dashboards/tesseract.json'), 'utf8')) as Json;

let devnet: Devnet;
let plugin: PluginHost;
let settings: SettingsInput;
let ledger: LedgerEntry[];
let nowMs: number;

beforeAll(async () => {
  const wallNow = Math.floor(Date.now() / 1000);
  devnet = await startDevnet({ genesisTimestamp: wallNow - 86_400 - 3600 });
  const result = await runSimulation({ deployments: devnet.deployments, seed: 6, fast: { days: 1, events: 1500 } });
  ledger = result.entries;
  nowMs = Date.now();
  settings = provisionedSettings((name) => devnet.deployments.find((d) => d.name === name)!.rpcUrl);
  plugin = await PluginHost.start();
}, 180_000);

afterAll(async () => {
  await plugin?.shutdown();
  await devnet?.stop();
});

/** Template variables as the frontend interpolates them: `$deployment` = All, `$tx_id` = a real one. */
function interpolate(target: Json, txId: string): Json {
  const names = devnet.deployments.map((d) => d.name);
  const expand = (values: string[]) =>
    values.flatMap((value) => (value === '$deployment' ? names : value === '$tx_id' ? [txId] : [value]));
  return {
    ...target,
    deployments: expand(target.deployments ?? []),
    ...(target.txIds ? { txIds: expand(target.txIds) } : {}),
  };
}

async function run(target: Json, txId: string): Promise<QueryResult> {
  const json = interpolate(target, txId);
  const results = await plugin.queryData({
    settings,
    queries: [
      {
        refId: json.refId,
        queryType: json.queryType,
        json,
        timeRange: { fromMs: nowMs - DAY_MS, toMs: nowMs },
        intervalMs: 60_000,
        maxDataPoints: 1440,
      },
    ],
  });
  return results[json.refId];
}

const contentPanels = (): Json[] =>
  (dashboard.panels as Json[])
    .flatMap((panel) => [panel, ...((panel.panels as Json[] | undefined) ?? [])])
    .filter((p) => p.type !== 'row');

const displayName = (field: Json) => (field.config?.displayNameFromDS as string | undefined) ?? (field.name as string);

function regexOf(option: string): RegExp {
  const match = /^\/(.*)\/([a-z]*)$/.exec(option);
  return match ? new RegExp(match[1], match[2]) : new RegExp(option);
}

describe('the Tesseract overview dashboard on a day of devnet history', () => {
  it('has history with failures and a cross-rollup transaction to look up', () => {
    expect(ledger.some((entry) => entry.events.some((event) => event.name === 'TransactionFailed'))).toBe(true);
    expect(ledger.some((entry) => entry.crossRollup && entry.txId)).toBe(true);
  });

  it('answers every panel, annotation and variable query without an error', async () => {
    const txId = ledger.find((entry) => entry.crossRollup && entry.txId)!.txId!;
    const targets: Array<[string, Json]> = [
      ...contentPanels().flatMap((panel) => (panel.targets as Json[]).map((t): [string, Json] => [panel.title, t])),
      ...(dashboard.annotations.list as Json[])
        .filter((a) => a.target)
        .map((a): [string, Json] => [`annotation ${a.name}`, a.target]),
      ...(dashboard.templating.list as Json[])
        .filter((v) => v.type === 'query')
        .map((v): [string, Json] => [`variable ${v.name}`, v.query]),
    ];
    for (const [where, target] of targets) {
      const result = await run(target, txId);
      expect({ where, refId: target.refId, status: result.status, error: result.error }).toEqual({
        where,
        refId: target.refId,
        status: 200,
        error: '',
      });
      const rows = result.frames.reduce(
        (sum, frame) => sum + Math.max(0, ...frame.fields.map((f) => f.values.length)),
        0
      );
      expect({ where, refId: target.refId, hasRows: rows > 0 }).toEqual({ where, refId: target.refId, hasRows: true });
    }
  }, 120_000);

  it("colours the summary table's columns: every override matches a field the backend returns", async () => {
    const summary = contentPanels().find((panel) => panel.title === 'Summary per deployment')!;
    const frames = (await Promise.all((summary.targets as Json[]).map((target) => run(target, '')))).flatMap(
      (r) => r.frames
    );
    const fields = frames.flatMap((frame) => frame.fields.filter((field) => field.type === 'number'));
    for (const override of summary.fieldConfig.overrides as Json[]) {
      const pattern = regexOf(override.matcher.options);
      const matched = fields.filter((field) => pattern.test(displayName(field)));
      expect({ matcher: override.matcher.options, matched: matched.length }).toEqual({
        matcher: override.matcher.options,
        matched: devnet.deployments.length,
      });
    }
    // labelsToFields keeps these labels as the table's key columns.
    const kept = summary.transformations.find((t: Json) => t.id === 'labelsToFields').options.keepLabels as string[];
    for (const field of fields) {
      expect(Object.keys(field.labels ?? {})).toEqual(expect.arrayContaining(kept));
    }
  });

  it("shows a deployment's health from one query: the panel's transformations and overrides name fields the backend returns", async () => {
    const health = contentPanels().filter((panel) => (panel.targets as Json[]).some((t) => t.queryType === 'health'));
    const row = health.filter((panel) => panel.title !== 'Summary per deployment');
    expect(row.map((panel) => [panel.type, panel.targets.length])).toEqual([['stat', 1]]);
    const [panel] = row;
    const result = await run(panel.targets[0], '');
    expect(result.frames).toHaveLength(1);
    const fields = result.frames[0].fields;
    const byName = new Map(fields.map((field) => [field.name, field]));
    const included = panel.transformations.find((t: Json) => t.id === 'filterFieldsByName').options.include
      .names as string[];
    expect(included.filter((name) => byName.get(name)?.type !== 'number')).toEqual([]);
    // Transformations run before the panel's field config, so the order is keyed by the backend's display names.
    const order = panel.transformations.find((t: Json) => t.id === 'organize').options.indexByName as Json;
    expect(Object.keys(order).sort()).toEqual(included.map((name) => byName.get(name)?.config?.displayName).sort());
    const overridden = (panel.fieldConfig.overrides as Json[]).map((o) => [o.matcher.id, o.matcher.options]);
    expect(overridden).toEqual(included.map((name) => ['byName', name]));
    // One value per deployment of the query, each read (the devnet answers, so every deployment is up).
    expect(byName.get('up')!.values).toEqual(devnet.deployments.map(() => 1));
  });
});

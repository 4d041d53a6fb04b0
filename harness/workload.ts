// What Grafana sends for the provisioned dashboard and alert rules: one QueryData request per panel
// (and per annotation, and per repeated row instance), with template variables substituted as the
// frontend does, and one request per alert rule with its relative time range.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { rpcUrlsKey, type DeploymentSettings } from '../src/query';
import type { QueryInput, SettingsInput } from './plugin-host';

export const DASHBOARD_PATH = path.join(__dirname, '..', 'src', 'dashboards', 'tesseract.json');
export const ALERT_RULES_PATH = path.join(__dirname, '..', 'provisioning', 'alerting', 'rules.yaml');
export const DATASOURCE_PATH = path.join(__dirname, '..', 'provisioning', 'datasources', 'tesseract.yaml');
const DATASOURCE_TYPE = 'tesseract-monitor-datasource';

export interface ProvisionedDataSource {
  uid: string;
  name: string;
  jsonData: { deployments: DeploymentSettings[] };
}

/** The provisioned Tesseract data source, as Grafana reads it from provisioning/datasources. */
export function provisionedDataSource(file = DATASOURCE_PATH): ProvisionedDataSource {
  const { datasources } = parse(readFileSync(file, 'utf8')) as {
    datasources: Array<ProvisionedDataSource & { type: string }>;
  };
  const found = datasources.find((ds) => ds.type === DATASOURCE_TYPE);
  if (!found) {
    throw new Error(`${file} provisions no ${DATASOURCE_TYPE} data source`);
  }
  return found;
}

/** Instance settings of the provisioned data source, with each deployment's RPC URL chosen by the caller. */
export function provisionedSettings(rpcUrlFor: (deploymentName: string) => string): SettingsInput {
  const { uid, name, jsonData } = provisionedDataSource();
  const secureJsonData = Object.fromEntries(jsonData.deployments.map((d) => [rpcUrlsKey(d.id), rpcUrlFor(d.name)]));
  return { uid, name, jsonData, secureJsonData };
}

export interface PanelRequest {
  /** Panel title (with the repeat value) or annotation name. */
  title: string;
  /** The query models as saved, variables substituted. */
  targets: Array<Record<string, unknown>>;
}

export interface Variables {
  /** Values of the multi-value `deployment` variable ("All"). */
  deployments: string[];
  txId: string;
}

interface DashboardPanel {
  type?: string;
  title?: string;
  repeat?: string;
  panels?: DashboardPanel[];
  targets?: Array<Record<string, unknown>>;
  datasource?: { type?: string };
}

/** Substitutes dashboard variables in a query model, as the data source's applyTemplateVariables does. */
function interpolate(target: Record<string, unknown>, deployments: string[], txId: string): Record<string, unknown> {
  const replaced: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (key === 'datasource') {
      continue;
    }
    if (Array.isArray(value)) {
      replaced[key] = value.flatMap((item) =>
        item === '$deployment' || item === '${deployment}'
          ? deployments
          : item === '$tx_id' || item === '${tx_id}'
            ? [txId]
            : [item]
      );
    } else if (typeof value === 'string') {
      replaced[key] = value.replace(/\$\{?tx_id\}?/g, txId);
    } else {
      replaced[key] = value;
    }
  }
  return replaced;
}

function isOurs(target: Record<string, unknown>): boolean {
  return typeof target.queryType === 'string';
}

/** Every QueryData request one refresh of the dashboard makes. */
export function dashboardRequests(variables: Variables, file = DASHBOARD_PATH): PanelRequest[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
    panels: DashboardPanel[];
    annotations?: { list?: Array<{ name?: string; datasource?: { type?: string }; target?: Record<string, unknown> }> };
  };
  const requests: PanelRequest[] = [];
  const addPanel = (panel: DashboardPanel, deployments: string[], suffix: string) => {
    const targets = (panel.targets ?? []).filter(isOurs).map((t) => interpolate(t, deployments, variables.txId));
    if (targets.length > 0) {
      requests.push({ title: `${panel.title ?? panel.type}${suffix}`, targets });
    }
  };
  // A repeated row repeats the panels that follow it (expanded) or that it holds (collapsed).
  let rowRepeat: string | undefined;
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') {
      rowRepeat = panel.repeat;
      for (const child of panel.panels ?? []) {
        addRepeated(child, rowRepeat);
      }
      continue;
    }
    addRepeated(panel, rowRepeat);
  }
  function addRepeated(panel: DashboardPanel, repeat: string | undefined) {
    if ((repeat ?? panel.repeat) === 'deployment') {
      for (const name of variables.deployments) {
        addPanel(panel, [name], ` [${name}]`);
      }
    } else {
      addPanel(panel, variables.deployments, '');
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.datasource?.type === DATASOURCE_TYPE && annotation.target) {
      requests.push({
        title: `annotation ${annotation.name}`,
        targets: [interpolate(annotation.target, variables.deployments, variables.txId)],
      });
    }
  }
  return requests;
}

export interface AlertRuleRequest {
  title: string;
  queries: Array<{ model: Record<string, unknown>; fromSeconds: number; toSeconds: number }>;
}

/** The data source queries of every provisioned alert rule (expressions are evaluated by Grafana, not us). */
export function alertRuleRequests(file = ALERT_RULES_PATH): AlertRuleRequest[] {
  const provisioned = parse(readFileSync(file, 'utf8')) as {
    groups?: Array<{
      rules?: Array<{
        title: string;
        data: Array<{
          datasourceUid: string;
          relativeTimeRange?: { from: number; to: number };
          model: Record<string, unknown>;
        }>;
      }>;
    }>;
  };
  return (provisioned.groups ?? []).flatMap((group) =>
    (group.rules ?? []).map((rule) => ({
      title: rule.title,
      queries: rule.data
        .filter((d) => d.datasourceUid !== '__expr__')
        .map((d) => ({
          model: d.model,
          fromSeconds: d.relativeTimeRange?.from ?? 600,
          toSeconds: d.relativeTimeRange?.to ?? 0,
        })),
    }))
  );
}

const NICE_INTERVALS_MS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
].map((s) => s * 1000);

/** The panel interval Grafana derives from the range and the panel's width in points. */
export function panelInterval(rangeMs: number, maxDataPoints: number): number {
  return NICE_INTERVALS_MS.find((ms) => ms >= rangeMs / maxDataPoints) ?? 86_400_000;
}

/** The harness queries of one panel request over [fromMs, toMs]. */
export function panelQueries(request: PanelRequest, fromMs: number, toMs: number, maxDataPoints = 1000): QueryInput[] {
  return request.targets.map((target, i) => ({
    refId: typeof target.refId === 'string' ? target.refId : String.fromCharCode(65 + i),
    json: target,
    timeRange: { fromMs, toMs },
    maxDataPoints,
    intervalMs: panelInterval(toMs - fromMs, maxDataPoints),
  }));
}

/** @jest-environment node */
/**
 * What Grafana would only tell us at startup or at the first evaluation, checked on the files:
 * data sources, alert rules, contact points, policies, templates, the dashboard and the compose
 * defaults that keep Grafana starting without secrets.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  abiForVariant,
  findFunction,
  HEALTH_FIELDS,
  METRICS,
  parseQuery,
  rpcUrlsKey,
  validateDeployment,
  validateSettings,
  type DeploymentSettings,
  type TesseractQuery,
} from '../../src/query';

const ROOT = path.resolve(__dirname, '..', '..');
const PROVISIONING = path.join(ROOT, 'provisioning');
const DS_TYPE = 'tesseract-monitor-datasource';
const DASHBOARD_PATH = path.join(ROOT, 'src', 'dashboards', 'tesseract.json');
const EXPR_UID = '__expr__';

type Json = Record<string, any>;

function yamlFiles(dir: string): Json[] {
  const full = path.join(PROVISIONING, dir);
  return readdirSync(full)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => YAML.parse(readFileSync(path.join(full, name), 'utf8')) as Json);
}

const datasources: Json[] = yamlFiles('datasources').flatMap((file) => file.datasources ?? []);
const ourDatasources = datasources.filter((ds) => ds.type === DS_TYPE);
const alerting = yamlFiles('alerting');
const groups: Json[] = alerting.flatMap((file) => file.groups ?? []);
const rules: Json[] = groups.flatMap((group) => group.rules);
const contactPoints: Json[] = alerting.flatMap((file) => file.contactPoints ?? []);
const policies: Json[] = alerting.flatMap((file) => file.policies ?? []);
const templates: Json[] = alerting.flatMap((file) => file.templates ?? []);
const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Json;
const appPlugin = JSON.parse(readFileSync(path.join(ROOT, 'src', 'plugin.json'), 'utf8')) as Json;
const compose = YAML.parse(readFileSync(path.join(ROOT, 'docker-compose.yaml'), 'utf8')) as Json;

function deploymentsOf(ds: Json): DeploymentSettings[] {
  return ds.jsonData.deployments as DeploymentSettings[];
}

/** Panels including those nested in collapsed rows. */
function allPanels(): Json[] {
  return (dashboard.panels as Json[]).flatMap((panel) => [panel, ...((panel.panels as Json[] | undefined) ?? [])]);
}
const contentPanels = allPanels().filter((panel) => panel.type !== 'row');

/** Every `$` that Grafana's provisioning would expand: not `$$`, and inside a Go template action. */
function unescapedTemplateDollars(value: string): string[] {
  const actions = value.match(/\{\{[\s\S]*?\}\}/g) ?? [];
  return actions.filter((action) => /\$/.test(action.replace(/\$\$/g, '')));
}

/** Environment variables a provisioning value refers to (`$VAR` or `${VAR}`, not `$$`). */
function envReferences(value: string): string[] {
  const names: string[] = [];
  for (const match of value.replace(/\$\$/g, '').matchAll(/\$\{(\w+)\}|\$(\w+)/g)) {
    names.push(match[1] ?? match[2]);
  }
  return names;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(strings);
  }
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(strings);
  }
  return [];
}

function durationSeconds(value: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(value);
  if (!match) {
    throw new Error(`"${value}" is not a duration like 30s, 5m or 1h`);
  }
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

function ruleQuery(rule: Json): TesseractQuery {
  const data = (rule.data as Json[]).find((entry) => entry.datasourceUid !== EXPR_UID);
  const parsed = parseQuery(data?.model);
  if (!parsed.ok) {
    throw new Error(`${rule.uid}: ${parsed.errors.join('; ')}`);
  }
  return parsed.query;
}

function ruleExpression(rule: Json, type: string): Json {
  const found = (rule.data as Json[]).find((entry) => entry.model?.type === type);
  if (!found) {
    throw new Error(`${rule.uid} has no ${type} expression`);
  }
  return found.model as Json;
}

describe('data source provisioning', () => {
  it('provisions our data source with an explicit uid, proxy access and valid deployments', () => {
    expect(ourDatasources.map((ds) => ds.uid)).toEqual(['tesseract-devnet']);
    expect(datasources.filter((ds) => ds.isDefault === true).length).toBeLessThanOrEqual(1);
    for (const ds of ourDatasources) {
      expect(ds.access).toBe('proxy');
      const { settings, errors } = validateSettings(ds.jsonData);
      expect(errors).toEqual([]);
      expect(settings.deployments.map((d) => d.name)).toEqual(['optimism', 'arbitrum', 'base']);
      for (const deployment of deploymentsOf(ds)) {
        expect({ [deployment.name]: validateDeployment(deployment) }).toEqual({ [deployment.name]: {} });
      }
    }
  });

  it('takes every RPC URL from the environment, keyed by the deployment id', () => {
    for (const ds of ourDatasources) {
      const keys = Object.keys(ds.secureJsonData ?? {}).sort();
      expect(keys).toEqual(
        deploymentsOf(ds)
          .map((d) => rpcUrlsKey(d.id))
          .sort()
      );
      for (const value of Object.values(ds.secureJsonData as Record<string, string>)) {
        expect(envReferences(value)).toHaveLength(1);
      }
      // RPC URLs carry provider keys: never in jsonData.
      expect(JSON.stringify(ds.jsonData)).not.toMatch(/https?:\/\//);
    }
  });
});

describe('alert rules', () => {
  const provisionedUids = new Set(ourDatasources.map((ds) => ds.uid));

  it('have valid, unique uids and titles in a folder with an interval Grafana accepts', () => {
    for (const group of groups) {
      expect(group.folder).toBeTruthy();
      expect(durationSeconds(group.interval) % 10).toBe(0);
    }
    const uids = rules.map((rule) => rule.uid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(rules.map((rule) => rule.title)).size).toBe(rules.length);
    for (const uid of uids) {
      expect(uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    }
  });

  it.each(rules.map((rule) => [rule.uid, rule]))(
    '%s: queries our provisioned data source or expressions',
    (_uid, rule) => {
      const refIds = (rule.data as Json[]).map((entry) => entry.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      expect(refIds).toContain(rule.condition);
      for (const entry of rule.data as Json[]) {
        expect(entry.model.refId).toBe(entry.refId);
        if (entry.datasourceUid === EXPR_UID) {
          continue;
        }
        expect(provisionedUids.has(entry.datasourceUid)).toBe(true);
        expect(entry.model.datasource).toEqual({ type: DS_TYPE, uid: entry.datasourceUid });
        // Grafana refuses data source queries without a relative time range.
        expect(entry.relativeTimeRange.from).toBeGreaterThan(entry.relativeTimeRange.to);
        expect(entry.relativeTimeRange.to).toBeGreaterThanOrEqual(0);
        // Alert queries are never interpolated: they must be valid as they stand.
        const parsed = parseQuery(entry.model);
        expect(parsed.ok ? [] : parsed.errors).toEqual([]);
      }
    }
  );

  it.each(rules.map((rule) => [rule.uid, rule]))('%s: expressions refer to existing refIds', (_uid, rule) => {
    const refIds = new Set((rule.data as Json[]).map((entry) => entry.refId));
    for (const entry of (rule.data as Json[]).filter((e) => e.datasourceUid === EXPR_UID)) {
      const model = entry.model as Json;
      expect(model.datasource).toEqual({ type: EXPR_UID, uid: EXPR_UID });
      const referenced =
        model.type === 'math'
          ? [...(model.expression as string).matchAll(/\$\{?([A-Za-z0-9_]+)\}?/g)].map((m) => m[1])
          : [model.expression as string];
      expect(referenced.length).toBeGreaterThan(0);
      for (const refId of referenced) {
        expect(refIds.has(refId)).toBe(true);
        expect(refId).not.toBe(entry.refId);
      }
      switch (model.type) {
        case 'reduce':
          expect(['last', 'mean', 'min', 'max', 'sum', 'count', 'median']).toContain(model.reducer);
          if (model.settings) {
            expect(['dropNN', 'replaceNN']).toContain(model.settings.mode);
          }
          break;
        case 'threshold':
          expect(model.conditions).toHaveLength(1);
          expect(['gt', 'lt', 'within_range', 'outside_range']).toContain(model.conditions[0].evaluator.type);
          break;
        case 'math':
          break;
        default:
          throw new Error(`${rule.uid}: unexpected expression type ${model.type}`);
      }
    }
  });

  it.each(rules.map((rule) => [rule.uid, rule]))(
    '%s: documented, routed and linked to a dashboard panel',
    (_uid, rule) => {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      for (const key of ['summary', 'description', 'runbook']) {
        expect(String(rule.annotations[key] ?? '').length).toBeGreaterThan(20);
      }
      expect(rule.annotations.description).toMatch(/\$values\.[A-Z]|\$labels\.(tx_id|reason)/);
      expect(rule.annotations.description).toMatch(/\$labels\.chain/);
      expect(rule.annotations.__dashboardUid__).toBe(dashboard.uid);
      expect(contentPanels.map((panel) => String(panel.id))).toContain(rule.annotations.__panelId__);
      expect(['NoData', 'Alerting', 'OK', 'KeepLast']).toContain(rule.noDataState);
      expect(['Error', 'Alerting', 'OK', 'KeepLast']).toContain(rule.execErrState);
      durationSeconds(rule.for);
    }
  );

  it('escape "$" where Grafana interpolates (labels) and not where it does not (annotations)', () => {
    for (const rule of rules) {
      for (const value of strings(rule.labels)) {
        expect(unescapedTemplateDollars(value)).toEqual([]);
        expect(envReferences(value)).toEqual([]);
      }
      // Annotations are not interpolated: "$$" would reach the message literally.
      for (const value of strings(rule.annotations)) {
        expect(value).not.toContain('$$');
      }
    }
  });

  // The monitoring guide's rules and the ones beyond it: query, threshold, duration and severity.
  const expected: Array<[string, string, string, number, string, string]> = [
    ['tesseract-high-failure-rate', 'failure_ratio', 'gt', 0.1, '5m', 'critical'],
    ['tesseract-slow-resolution', 'resolution_p95', 'gt', 60, '10m', 'warning'],
    ['tesseract-node-disconnected', 'up', 'lt', 1, '1m', 'critical'],
    ['tesseract-low-throughput', 'buffered_rate', 'lt', 1, '5m', 'warning'],
    ['tesseract-low-success-rate', 'success_ratio', 'lt', 0.95, '5m', 'warning'],
    ['tesseract-new-failure', 'TransactionFailed', 'gt', 0, '0s', 'warning'],
    ['tesseract-contract-paused', 'paused', 'gt', 0, '0s', 'critical'],
    ['tesseract-silent-failures', 'silent_failures', 'gt', 0, '0s', 'warning'],
    ['tesseract-chain-head-stale', 'head_age_seconds', 'gt', 300, '2m', 'warning'],
    ['tesseract-circuit-breaker', 'circuit_breaker_active', 'gt', 0, '0s', 'critical'],
  ];
  it.each(expected)('%s watches %s %s %d for %s (%s)', (uid, what, op, value, duration, severity) => {
    const rule = rules.find((r) => r.uid === uid);
    expect(rule).toBeDefined();
    const query = ruleQuery(rule!);
    const watched =
      query.queryType === 'metrics'
        ? query.metrics
        : query.queryType === 'health'
          ? [query.field]
          : query.queryType === 'events'
            ? query.eventNames
            : [];
    expect(watched).toEqual([what]);
    // One value per deployment: window metrics, health values, one frame per event.
    expect(query.queryType === 'metrics' ? query.mode : (query as { format?: string }).format).toBe(
      query.queryType === 'metrics' ? 'window' : 'value'
    );
    const evaluator = ruleExpression(rule!, 'threshold').conditions[0].evaluator;
    expect(evaluator).toEqual({ type: op, params: [value] });
    expect(rule!.for).toBe(duration);
    expect(rule!.labels.severity).toBe(severity);
  });

  it('alert on new silent failures: the count now minus the count 10 minutes ago', () => {
    const rule = rules.find((r) => r.uid === 'tesseract-silent-failures')!;
    const queries = (rule.data as Json[]).filter((entry) => entry.datasourceUid !== EXPR_UID);
    expect(queries.map((q) => [q.refId, q.relativeTimeRange])).toEqual([
      ['A', { from: 600, to: 0 }],
      ['B', { from: 1200, to: 600 }],
    ]);
    expect(ruleExpression(rule, 'math').expression).toBe('$A - $B');
    expect(ruleExpression(rule, 'threshold').expression).toBe('C');
  });

  it('alert on a dead RPC instead of going quiet', () => {
    const rule = rules.find((r) => r.uid === 'tesseract-node-disconnected')!;
    expect(rule.noDataState).toBe('Alerting');
    expect(rule.execErrState).toBe('Alerting');
    // A missing value counts as down.
    expect(ruleExpression(rule, 'reduce').settings).toEqual({ mode: 'replaceNN', replaceWithValue: 0 });
  });

  it('carry tx_id and reason for a new failure: one instance per failed transaction', () => {
    const rule = rules.find((r) => r.uid === 'tesseract-new-failure')!;
    expect(rule.annotations.summary).toContain('$labels.tx_id');
    expect(rule.annotations.description).toContain('$labels.reason');
    // No failure in the window is the normal state.
    expect(rule.noDataState).toBe('OK');
  });

  it('ask for paused() and circuit_breaker_active() only where the ABI has them', () => {
    const deployments = deploymentsOf(ourDatasources[0]);
    for (const [uid, fn] of [
      ['tesseract-contract-paused', 'paused'],
      ['tesseract-circuit-breaker', 'circuit_breaker_active'],
    ]) {
      const query = ruleQuery(rules.find((r) => r.uid === uid)!);
      const withFunction = deployments.filter((d) => {
        const abi = abiForVariant(d.abi, d.customAbi);
        return abi.ok && findFunction(abi.abi, fn) !== undefined;
      });
      expect(withFunction.length).toBeGreaterThan(0);
      expect([...query.deployments].sort()).toEqual(withFunction.map((d) => d.name).sort());
    }
  });
});

describe('notifications', () => {
  const receivers: Json[] = contactPoints.flatMap((cp) =>
    cp.receivers.map((r: Json) => ({ ...r, contactPoint: cp.name }))
  );
  const names = new Set(contactPoints.map((cp) => cp.name));

  it('define Slack, PagerDuty and webhook receivers with valid uids and secrets from the environment', () => {
    const byType = Object.fromEntries(receivers.map((r) => [r.type, r]));
    expect(Object.keys(byType).sort()).toEqual(['pagerduty', 'slack', 'webhook']);
    for (const receiver of receivers) {
      expect(receiver.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    }
    expect(byType.slack.settings.recipient).toBe('#tesseract-alerts');
    expect(envReferences(byType.slack.settings.url)).toEqual(['SLACK_WEBHOOK_URL']);
    expect(envReferences(byType.pagerduty.settings.integrationKey)).toEqual(['PAGERDUTY_KEY']);
    expect(envReferences(byType.webhook.settings.url)).toHaveLength(1);
    expect(byType.slack.settings.title).toMatch(/template "tesseract\.title"/);
  });

  it('escape "$" in settings, which Grafana interpolates', () => {
    for (const value of strings(contactPoints).concat(strings(policies))) {
      expect(unescapedTemplateDollars(value)).toEqual([]);
    }
  });

  it('refer only to templates that are defined, and the templates carry tx_id, chain, reason, severity and a dashboard link', () => {
    const defined = new Set(
      templates.flatMap((t) => [...(t.template as string).matchAll(/define "([^"]+)"/g)].map((m) => m[1]))
    );
    const used = strings(contactPoints).flatMap((value) => [...value.matchAll(/template "([^"]+)"/g)].map((m) => m[1]));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) {
      expect(defined.has(name)).toBe(true);
    }
    const text = templates.map((t) => t.template as string).join('\n');
    for (const needle of ['.Labels.tx_id', '.Labels.chain', '.Labels.reason', 'severity', '.DashboardURL']) {
      expect(text).toContain(needle);
    }
  });

  /** Alertmanager routing: the receivers an alert with these labels reaches. */
  function route(labels: Record<string, string>): string[] {
    const matches = (policy: Json) =>
      ((policy.object_matchers as string[][] | undefined) ?? []).every(([label, op, value]) => {
        const actual = labels[label] ?? '';
        switch (op) {
          case '=':
            return actual === value;
          case '!=':
            return actual !== value;
          case '=~':
            return new RegExp(`^(?:${value})$`).test(actual);
          case '!~':
            return !new RegExp(`^(?:${value})$`).test(actual);
          default:
            throw new Error(`unknown matcher operator ${op}`);
        }
      });
    const walk = (policy: Json): string[] => {
      const reached: string[] = [];
      for (const child of (policy.routes as Json[] | undefined) ?? []) {
        if (matches(child)) {
          reached.push(...walk(child));
          if (!child.continue) {
            break;
          }
        }
      }
      return reached.length > 0 ? reached : [policy.receiver];
    };
    return walk(policies[0]);
  }

  it('route critical alerts to PagerDuty and Slack, warnings to Slack only', () => {
    expect(policies).toHaveLength(1);
    const root = policies[0];
    expect(root.group_by).toEqual(expect.arrayContaining(['alertname', 'chain']));
    expect([root.group_wait, root.group_interval, root.repeat_interval]).toEqual(['10s', '10s', '1h']);
    const critical = route({ severity: 'critical', alertname: 'x', chain: 'optimism' });
    expect(critical).toEqual(expect.arrayContaining(['tesseract-pagerduty', 'tesseract-slack']));
    const warning = route({ severity: 'warning', alertname: 'x', chain: 'optimism' });
    expect(warning).toContain('tesseract-slack');
    expect(warning).not.toContain('tesseract-pagerduty');
    for (const receiver of [...critical, ...warning]) {
      expect(names.has(receiver)).toBe(true);
    }
    for (const rule of rules) {
      expect(route(rule.labels)).toContain('tesseract-slack');
    }
  });

  it('keep Grafana starting when no secret is set: compose gives every referenced variable a non-empty default', () => {
    const environment = compose.services.grafana.environment as Record<string, string>;
    const referenced = new Set(
      [
        ...strings(contactPoints),
        ...strings(ourDatasources),
        ...strings(policies),
        ...strings(rules.map((r) => r.labels)),
      ].flatMap(envReferences)
    );
    expect(referenced.size).toBeGreaterThan(0);
    for (const name of referenced) {
      expect(environment[name]).toMatch(new RegExp(`^\\$\\{${name}:-.+\\}$`));
    }
  });
});

describe('dashboard', () => {
  const queryTargets = (): Array<[string, unknown]> => [
    ...contentPanels.flatMap((panel) =>
      (panel.targets as unknown[]).map((target): [string, unknown] => [`panel ${panel.id} "${panel.title}"`, target])
    ),
    ...(dashboard.annotations.list as Json[])
      .filter((a) => a.target)
      .map((a): [string, unknown] => [`annotation ${a.name}`, a.target]),
    ...(dashboard.templating.list as Json[])
      .filter((v) => v.type === 'query')
      .map((v): [string, unknown] => [`variable ${v.name}`, v.query]),
  ];

  it('is shipped once, by the app, with a stable uid and no import placeholders', () => {
    expect(dashboard.uid).toBe('tesseract-overview');
    expect(dashboard.id).toBeNull();
    expect(dashboard.__inputs).toBeUndefined();
    expect(JSON.stringify(dashboard)).not.toMatch(/\$\{DS_/);
    const include = (appPlugin.includes as Json[]).find((item) => item.type === 'dashboard');
    expect(include).toMatchObject({ path: 'dashboards/tesseract.json', uid: dashboard.uid });
    const provisionedDashboards = path.join(PROVISIONING, 'dashboards');
    if (existsSync(provisionedDashboards)) {
      for (const name of readdirSync(provisionedDashboards).filter((n) => n.endsWith('.json'))) {
        const other = JSON.parse(readFileSync(path.join(provisionedDashboards, name), 'utf8')) as Json;
        expect(other.uid).not.toBe(dashboard.uid);
      }
    }
  });

  it('reaches data sources only through the datasource variable', () => {
    const variable = (dashboard.templating.list as Json[]).find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: DS_TYPE });
    const refs: Json[] = [];
    const collect = (value: unknown) => {
      if (Array.isArray(value)) {
        value.forEach(collect);
      } else if (value && typeof value === 'object') {
        const object = value as Json;
        if (object.datasource !== undefined) {
          refs.push(object.datasource);
        }
        Object.values(object).forEach(collect);
      }
    };
    collect(dashboard);
    expect(refs.length).toBeGreaterThan(contentPanels.length);
    for (const ref of refs) {
      const builtIn = ref.type === 'grafana' && ref.uid === '-- Grafana --';
      expect(builtIn || (ref.type === DS_TYPE && ref.uid === '${datasource}')).toBe(true);
    }
    const provisionedUids = datasources.map((ds) => ds.uid as string);
    for (const uid of provisionedUids) {
      expect(JSON.stringify(dashboard)).not.toContain(uid);
    }
  });

  it('has only targets that are valid queries of the model', () => {
    const targets = queryTargets();
    expect(targets.length).toBeGreaterThan(contentPanels.length);
    for (const [where, target] of targets) {
      const parsed = parseQuery(target, { allowTemplateVariables: true });
      expect({ where, errors: parsed.ok ? [] : parsed.errors }).toEqual({ where, errors: [] });
    }
  });

  it('sets a unit and thresholds on every panel, and the catalogue unit where the panel shows one kind of value', () => {
    for (const panel of contentPanels) {
      const defaults = panel.fieldConfig?.defaults as Json;
      expect({ panel: panel.title, unit: typeof defaults?.unit }).toEqual({ panel: panel.title, unit: 'string' });
      expect({ panel: panel.title, steps: (defaults.thresholds?.steps ?? []).length > 0 }).toEqual({
        panel: panel.title,
        steps: true,
      });
      const units = new Set(
        (panel.targets as Json[]).flatMap((target) => {
          const parsed = parseQuery(target, { allowTemplateVariables: true });
          if (!parsed.ok) {
            return [];
          }
          const query = parsed.query;
          if (query.queryType === 'metrics') {
            return query.metrics.map((metric) => METRICS[metric].unit as string);
          }
          return query.queryType === 'health' ? [HEALTH_FIELDS[query.field].unit as string] : [];
        })
      );
      if (units.size === 1 && panel.type !== 'table') {
        expect({ panel: panel.title, unit: defaults.unit }).toEqual({ panel: panel.title, unit: [...units][0] });
      }
    }
  });

  it("colours the summary table by the guide's thresholds", () => {
    const summary = contentPanels.find((panel) => panel.title === 'Summary per deployment')!;
    const column = (display: string) => {
      const found = (summary.fieldConfig.overrides as Json[]).find((o) =>
        (o.properties as Json[]).some((p) => p.id === 'displayName' && p.value === display)
      );
      const thresholds = (found?.properties as Json[]).find((p) => p.id === 'thresholds')?.value as Json;
      return (thresholds.steps as Json[]).map((step) => [step.color, step.value]);
    };
    expect(column('Transactions/min')).toEqual([
      ['red', null],
      ['green', 1],
    ]);
    expect(column('Success rate')).toEqual([
      ['red', null],
      ['green', 0.95],
    ]);
    expect(column('Resolution p95')).toEqual(
      expect.arrayContaining([
        ['green', null],
        ['red', 60],
      ])
    );
    expect(column('Failures')).toEqual([
      ['green', null],
      ['red', 1],
    ]);
    expect(column('Node status')).toEqual([
      ['red', null],
      ['green', 1],
    ]);
  });

  it('repeats a health row per deployment, looks transactions up by tx_id and annotates failures and pauses', () => {
    const variables = Object.fromEntries((dashboard.templating.list as Json[]).map((v) => [v.name, v]));
    expect(variables.deployment).toMatchObject({ multi: true, includeAll: true });
    expect(variables.tx_id.type).toBe('textbox');
    expect(allPanels().some((panel) => panel.type === 'row' && panel.repeat === 'deployment')).toBe(true);
    const lookup = contentPanels.filter((panel) =>
      (panel.targets as Json[]).some((t) => t.queryType === 'transaction' && t.txIds.includes('$tx_id'))
    );
    expect(lookup).toHaveLength(1);
    const annotated = (dashboard.annotations.list as Json[]).flatMap((a) => a.target?.eventNames ?? []);
    expect(annotated).toEqual(expect.arrayContaining(['TransactionFailed', 'EmergencyPause']));
  });
});

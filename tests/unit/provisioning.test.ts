/** @jest-environment node */
/**
 * What Grafana would only tell us at startup or at the first evaluation, checked on the files:
 * data sources, alert rules, contact points, templates, the dashboard and the compose defaults that
 * keep Grafana starting without secrets; and that the committed files are the generator's output.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { provisioningFiles } from '../../scripts/provisioning';
import {
  HEALTH_FIELDS,
  HEALTH_FIELD_NAMES,
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
const alertingFiles = readdirSync(path.join(PROVISIONING, 'alerting'))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => ({
    name,
    content: YAML.parse(readFileSync(path.join(PROVISIONING, 'alerting', name), 'utf8')) as Json,
  }));
const alerting = alertingFiles.map(({ content }) => content);
const groups: Json[] = alerting.flatMap((file) => file.groups ?? []);
const rules: Json[] = groups.flatMap((group) => group.rules);
const contactPoints: Json[] = alerting.flatMap((file) => file.contactPoints ?? []);
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
    '%s: documented, linked to its dashboard panel, and never silent on errors or no data',
    (_uid, rule) => {
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      for (const key of ['summary', 'description', 'runbook']) {
        expect(String(rule.annotations[key] ?? '').length).toBeGreaterThan(20);
      }
      expect(rule.annotations.description).toMatch(/\$values\.[A-Z]|\$labels\.(tx_id|reason)/);
      expect(rule.annotations.description).toMatch(/\$labels\.chain/);
      // The rule's own fields link it to the panel in Grafana's UI; the annotations do for API-created rules.
      expect(rule.dashboardUid).toBe(dashboard.uid);
      expect(contentPanels.map((panel) => panel.id)).toContain(rule.panelId);
      expect(rule.annotations.__dashboardUid__).toBe(rule.dashboardUid);
      expect(rule.annotations.__panelId__).toBe(String(rule.panelId));
      // KeepLast leaves a rule as it was when the backend stops answering: silent. Every rule says why
      // its states are what they are.
      expect(['NoData', 'Alerting', 'OK']).toContain(rule.noDataState);
      expect(['Error', 'Alerting']).toContain(rule.execErrState);
      expect(rule.annotations.description).toMatch(/[Nn]o data (is|and errors are) (OK|Alerting)/);
      expect(rule.annotations.description).toMatch(/\((Error|Alerting)\)|errors are Alerting/);
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
    ['tesseract-pending-overdue', 'pending_overdue', 'gt', 0, '0s', 'warning'],
    ['tesseract-chain-head-stale', 'head_age_seconds', 'gt', 300, '2m', 'warning'],
    ['tesseract-circuit-breaker', 'circuit_breaker_active', 'gt', 0, '0s', 'critical'],
  ];
  it('are exactly the expected rules', () => {
    expect(rules.map((rule) => rule.uid).sort()).toEqual(expected.map(([uid]) => uid).sort());
  });
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

  it('alert on a dead RPC or backend instead of going quiet', () => {
    const rule = rules.find((r) => r.uid === 'tesseract-node-disconnected')!;
    expect(rule.noDataState).toBe('Alerting');
    expect(rule.execErrState).toBe('Alerting');
    // A missing value counts as down.
    expect(ruleExpression(rule, 'reduce').settings).toEqual({ mode: 'replaceNN', replaceWithValue: 0 });
  });

  it('notify each failure once: its own instance and group, found after an outage, never repeated while it fires', () => {
    const rule = rules.find((r) => r.uid === 'tesseract-new-failure')!;
    expect(rule.annotations.summary).toContain('$labels.tx_id');
    expect(rule.annotations.description).toContain('$labels.reason');
    const lookback = (rule.data as Json[])[0].relativeTimeRange.from as number;
    const interval = durationSeconds(groups[0].interval);
    // Outages up to an hour (plus an evaluation) are found afterwards.
    expect(lookback).toBeGreaterThanOrEqual(3600 + interval);
    // A failure whose series goes missing (its deployment's RPC down) stays firing for the whole window.
    expect(rule.missing_series_evals_to_resolve * interval).toBeGreaterThanOrEqual(lookback);
    const settings = rule.notification_settings as Json;
    expect(settings.group_by).toEqual(expect.arrayContaining(['alertname', 'chain', 'tx_id']));
    // While in the window plus the missing-series grace the alert fires; the reminder would come later.
    expect(durationSeconds(settings.repeat_interval)).toBeGreaterThan(
      lookback + rule.missing_series_evals_to_resolve * interval
    );
    const failureFeed = contactPoints.filter((cp) => cp.name === settings.receiver).flatMap((cp) => cp.receivers);
    expect(failureFeed.length).toBeGreaterThan(0);
    for (const integration of failureFeed) {
      expect(integration.disableResolveMessage).toBe(true);
    }
  });

  it('name no deployment: paused and circuit breaker apply wherever the ABI has the function', () => {
    for (const rule of rules) {
      for (const entry of (rule.data as Json[]).filter((e) => e.datasourceUid !== EXPR_UID)) {
        expect({ rule: rule.uid, deployments: entry.model.deployments }).toEqual({ rule: rule.uid, deployments: [] });
      }
    }
  });
});

describe('notifications', () => {
  const integrations: Json[] = contactPoints.flatMap((cp) =>
    cp.receivers.map((r: Json) => ({ ...r, contactPoint: cp.name }))
  );
  const integrationFiles = alertingFiles.filter(({ name }) => /^contact-points-/.test(name));

  it('put each integration kind in its own file, with valid uids and secrets from the environment', () => {
    expect(integrationFiles.map(({ name }) => name).sort()).toEqual([
      'contact-points-pagerduty.yaml',
      'contact-points-slack.yaml',
      'contact-points-webhook.yaml',
    ]);
    for (const { name, content } of integrationFiles) {
      const kinds = new Set((content.contactPoints as Json[]).flatMap((cp) => cp.receivers.map((r: Json) => r.type)));
      expect([...kinds]).toEqual([name.replace(/^contact-points-|\.yaml$/g, '')]);
    }
    const uids = integrations.map((r) => r.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const integration of integrations) {
      expect(integration.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      const secret = { slack: 'url', pagerduty: 'integrationKey', webhook: 'url' }[integration.type as string]!;
      expect(envReferences(integration.settings[secret])).toEqual([
        { slack: 'SLACK_WEBHOOK_URL', pagerduty: 'PAGERDUTY_KEY', webhook: 'ALERT_WEBHOOK_URL' }[
          integration.type as string
        ],
      ]);
    }
    const pagerduty = integrations.find((r) => r.type === 'pagerduty')!;
    expect(envReferences(pagerduty.settings.url)).toEqual(['PAGERDUTY_URL']);
  });

  it('bundle the integrations: critical pages and posts, warnings and failures post, the webhook gets all', () => {
    const kindsOf = (name: string) =>
      integrations
        .filter((r) => r.contactPoint === name)
        .map((r) => r.type)
        .sort();
    expect(kindsOf('tesseract-critical')).toEqual(['pagerduty', 'slack', 'webhook']);
    expect(kindsOf('tesseract-warning')).toEqual(['slack', 'webhook']);
    expect(kindsOf('tesseract-failures')).toEqual(['slack', 'webhook']);
  });

  it('escape "$" in settings, which Grafana interpolates', () => {
    for (const value of strings(contactPoints).concat(strings(rules.map((r) => r.notification_settings)))) {
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

  it("route every rule itself (simplified routing) with the guide's grouping and timings", () => {
    for (const rule of rules) {
      const settings = rule.notification_settings as Json;
      const expectedReceiver =
        rule.uid === 'tesseract-new-failure'
          ? 'tesseract-failures'
          : rule.labels.severity === 'critical'
            ? 'tesseract-critical'
            : 'tesseract-warning';
      expect({ rule: rule.uid, receiver: settings.receiver }).toEqual({ rule: rule.uid, receiver: expectedReceiver });
      // Grafana before 11.x requires alertname and grafana_folder in a group_by override.
      expect(settings.group_by.slice(0, 3)).toEqual(['grafana_folder', 'alertname', 'chain']);
      expect([settings.group_wait, settings.group_interval]).toEqual(['10s', '10s']);
      if (rule.uid !== 'tesseract-new-failure') {
        expect(settings.group_by).toHaveLength(3);
        expect(settings.repeat_interval).toBe('1h');
      }
    }
  });

  it('leave the policy tree alone: no file provisions or resets notification policies', () => {
    for (const { name, content } of alertingFiles) {
      expect({ name, keys: Object.keys(content).filter((key) => /polic/i.test(key)) }).toEqual({ name, keys: [] });
    }
  });

  it('install with any integration files that include Slack or the webhook: every receiver a rule names exists', () => {
    const receiversNamed = new Set(rules.map((rule) => rule.notification_settings.receiver as string));
    const subsets = integrationFiles.reduce<Array<typeof integrationFiles>>(
      (all, file) => all.concat(all.map((subset) => [...subset, file])),
      [[]]
    );
    let installable = 0;
    for (const subset of subsets) {
      const names = subset.map(({ name }) => name);
      if (!names.includes('contact-points-slack.yaml') && !names.includes('contact-points-webhook.yaml')) {
        continue;
      }
      installable++;
      // Grafana's file provisioner creates each integration under its contact point name, appending to
      // the receiver of that name (pkg/services/ngalert/provisioning/contactpoints.go CreateContactPoint).
      const contactPointNames = new Set(
        subset.flatMap(({ content }) => (content.contactPoints as Json[]).map((cp) => cp.name as string))
      );
      for (const receiver of receiversNamed) {
        expect({ files: names, receiver, exists: contactPointNames.has(receiver) }).toEqual({
          files: names,
          receiver,
          exists: true,
        });
      }
    }
    expect(installable).toBe(6);
  });

  it('keep Grafana starting when no secret is set: compose gives every referenced variable a non-empty default', () => {
    const environment = compose.services.grafana.environment as Record<string, string>;
    const referenced = new Set(
      [
        ...strings(contactPoints),
        ...strings(ourDatasources),
        ...strings(rules.map((r) => [r.labels, r.notification_settings])),
      ].flatMap(envReferences)
    );
    expect(referenced.size).toBeGreaterThan(0);
    for (const name of referenced) {
      expect(environment[name]).toMatch(new RegExp(`^\\$\\{${name}:-.+\\}$`));
    }
  });

  it('page through the alert sink in compose: PagerDuty events go to its PagerDuty endpoint', () => {
    const environment = compose.services.grafana.environment as Record<string, string>;
    expect(environment.PAGERDUTY_URL).toMatch(/^\$\{PAGERDUTY_URL:-http:\/\/alert-sink:\d+\/pagerduty\}$/);
  });
});

describe('generated files', () => {
  it('are what `npm run provisioning` writes from src/alerting, and nothing else is in provisioning/alerting', () => {
    const generated = provisioningFiles();
    const committed = Object.fromEntries(
      alertingFiles.map(({ name }) => [name, readFileSync(path.join(PROVISIONING, 'alerting', name), 'utf8')])
    );
    expect(Object.keys(committed).sort()).toEqual(Object.keys(generated).sort());
    for (const name of Object.keys(generated)) {
      expect({ name, content: committed[name] }).toEqual({ name, content: generated[name] });
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
          if (query.queryType !== 'health') {
            return [];
          }
          // A health table carries every field, each with its catalogue unit.
          const fields = query.format === 'value' ? [query.field] : HEALTH_FIELD_NAMES;
          return fields.map((field) => HEALTH_FIELDS[field].unit as string);
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

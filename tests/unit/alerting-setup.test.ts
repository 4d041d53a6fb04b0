/**
 * What the Alerting setup page sends, checked against our schema of Grafana's API for every rule,
 * integration and template (the browser test sends only what one run needs), and the schema itself
 * checked to refuse what Grafana refuses.
 */
import Ajv from 'ajv';
import { TESSERACT_TEMPLATES, tesseractContactPoints } from '../../src/alerting';
import { conditionText, planRules, uidPrefixFor, type SetupChoice } from '../../src/app/alertingPlan';
import {
  alertRuleGroup,
  embeddedContactPoint,
  notificationTemplateContent,
  provisionedAlertRule,
} from '../support/grafana-api-schema';

const ajv = new Ajv({ allErrors: true, strict: false });
const validRule = ajv.compile(provisionedAlertRule);
const validGroup = ajv.compile(alertRuleGroup);
const validIntegration = ajv.compile(embeddedContactPoint);
const validTemplate = ajv.compile(notificationTemplateContent);

const CHOICE: SetupChoice = {
  dataSource: { uid: 'tesseract-devnet', name: 'Tesseract devnet' },
  deployments: [],
  folderUid: 'folder-1',
  receivers: { critical: 'pager', warning: 'chat', failures: 'feed' },
};

describe('what the Alerting setup page sends', () => {
  const rules = planRules(CHOICE).map((planned) => planned.rule);

  it('sends every rule in the shape of ProvisionedAlertRule, routed to the chosen contact points', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) {
      expect([rule.uid, validRule(rule) ? [] : validRule.errors]).toEqual([rule.uid, []]);
      expect(Object.values(CHOICE.receivers)).toContain(rule.notification_settings.receiver);
      expect(rule.folderUID).toBe('folder-1');
    }
    expect(validGroup({ title: 'tesseract', folderUid: 'folder-1', interval: 60, rules })).toBe(true);
  });

  it('derives stable uids and titles from the data source, apart from the provisioning files and other data sources', () => {
    const again = planRules(CHOICE).map((planned) => planned.rule);
    expect(again.map((rule) => rule.uid)).toEqual(rules.map((rule) => rule.uid));
    const other = planRules({ ...CHOICE, dataSource: { uid: 'tesseract-mainnet', name: 'Mainnet' } });
    const uids = new Set([...rules, ...other.map((planned) => planned.rule)].map((rule) => rule.uid));
    expect(uids.size).toBe(rules.length * 2);
    expect(rules.every((rule) => rule.uid.startsWith(`${uidPrefixFor('tesseract-devnet')}-`))).toBe(true);
    expect(rules.some((rule) => rule.uid.startsWith('tesseract-high'))).toBe(false);
    expect(rules.every((rule) => rule.title.endsWith(' (Tesseract devnet)'))).toBe(true);
    // Even a data source uid of Grafana's maximum length gives uids Grafana accepts.
    const longest = planRules({ ...CHOICE, dataSource: { uid: 'x'.repeat(40), name: 'x' } });
    expect(longest.every((planned) => validRule(planned.rule))).toBe(true);
  });

  it('queries the chosen deployments only, or every deployment', () => {
    const some = planRules({ ...CHOICE, deployments: ['optimism'] });
    for (const { rule } of some) {
      const queries = rule.data.filter((query) => query.datasourceUid === 'tesseract-devnet');
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every((query) => JSON.stringify(query.model.deployments) === '["optimism"]')).toBe(true);
    }
  });

  it('describes each condition in words for the preview', () => {
    const texts = planRules(CHOICE).map((planned) => planned.condition);
    expect(texts).toContain('last(failure_ratio) > 0.1 for 5m');
    expect(texts).toContain('silent_failures[10m] - silent_failures[20m..10m ago] > 0');
    for (const text of texts) {
      expect(text).not.toMatch(/undefined|\?|^\w$/);
    }
    expect(conditionText(rules[0]!)).toBe(texts[0]);
  });

  it('sends each integration as an EmbeddedContactPoint and the templates as NotificationTemplateContent', () => {
    const integrations = tesseractContactPoints({
      slack: { url: 'https://hooks.slack.com/services/T/B/x', recipient: '#a' },
      pagerduty: { integrationKey: 'key', url: 'https://events.pagerduty.com/v2/enqueue' },
      webhook: { url: 'https://hooks.example/tesseract' },
    });
    expect(integrations.length).toBe(7);
    for (const integration of integrations) {
      expect([integration.uid, validIntegration(integration) ? [] : validIntegration.errors]).toEqual([
        integration.uid,
        [],
      ]);
    }
    for (const template of TESSERACT_TEMPLATES) {
      expect(validTemplate({ template: template.template })).toBe(true);
    }
  });
});

describe('our schema of Grafana API bodies', () => {
  const [rule] = planRules(CHOICE).map((planned) => planned.rule);
  const refused = (body: unknown) => !validRule(body);

  it("refuses what Grafana's API does not take", () => {
    // The file format's panel link, and the read-only fields Grafana answers with.
    expect(refused({ ...rule, dashboardUid: 'tesseract-overview' })).toBe(true);
    expect(refused({ ...rule, provenance: 'api' })).toBe(true);
    expect(refused({ ...rule, for: '5 minutes' })).toBe(true);
    expect(refused({ ...rule, noDataState: 'Ok' })).toBe(true);
    expect(refused({ ...rule, uid: 'x'.repeat(41) })).toBe(true);
    expect(refused({ ...rule, data: [] })).toBe(true);
    const { __panelId__: _panel, ...withoutPanel } = rule!.annotations;
    expect(refused({ ...rule, annotations: withoutPanel })).toBe(true);
    expect(
      refused({ ...rule, notification_settings: { ...rule!.notification_settings, group_by: ['alertname', 'chain'] } })
    ).toBe(true);
    expect(validIntegration({ name: 'n', type: 'slack', settings: { recipient: '#a' } })).toBe(false);
    expect(validIntegration({ name: 'n', type: 'pagerduty', settings: {} })).toBe(false);
    expect(validIntegration({ name: 'n', type: 'sms', settings: {} })).toBe(false);
    expect(validGroup({ title: 'g', folderUid: 'f', interval: 15, rules: [] })).toBe(false);
  });
});

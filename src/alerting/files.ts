import type { AlertQuery, AlertRule, EmbeddedContactPoint, NotificationTemplate } from './types';

/**
 * Grafana's file provisioning format for the same resources (pkg/services/provisioning/alerting:
 * rules_types.go AlertRuleGroupV1/AlertRuleV1, contact_point_types.go, text_templates_types.go). It
 * differs from the API: groups carry the folder TITLE and the interval, rules link their panel with
 * `dashboardUid`/`panelId`, and `missing_series_evals_to_resolve` is snake case.
 */
export interface ProvisioningFile {
  apiVersion: 1;
  [section: string]: unknown;
}

function fileQuery(query: AlertQuery): Record<string, unknown> {
  const { from, to } = query.relativeTimeRange;
  return {
    refId: query.refId,
    ...(query.queryType ? { queryType: query.queryType } : {}),
    // Expressions have no time range (Grafana's export omits the zero range too).
    ...(from !== 0 || to !== 0 ? { relativeTimeRange: { from, to } } : {}),
    datasourceUid: query.datasourceUid,
    model: query.model,
  };
}

function fileRule(rule: AlertRule): Record<string, unknown> {
  const panelId = rule.annotations.__panelId__;
  return {
    uid: rule.uid,
    title: rule.title,
    condition: rule.condition,
    data: rule.data.map(fileQuery),
    dashboardUid: rule.annotations.__dashboardUid__,
    panelId: panelId === undefined ? undefined : Number(panelId),
    noDataState: rule.noDataState,
    execErrState: rule.execErrState,
    for: rule.for,
    ...(rule.missingSeriesEvalsToResolve === undefined
      ? {}
      : { missing_series_evals_to_resolve: rule.missingSeriesEvalsToResolve }),
    annotations: rule.annotations,
    labels: rule.labels,
    isPaused: rule.isPaused,
    notification_settings: rule.notification_settings,
  };
}

/** One rule group file; every rule must belong to the same group. */
export function rulesFile(rules: AlertRule[], folderTitle: string, intervalSeconds: number): ProvisioningFile {
  const [first] = rules;
  if (!first || rules.some((rule) => rule.ruleGroup !== first.ruleGroup || rule.orgID !== first.orgID)) {
    throw new Error('a rules file holds one non-empty rule group');
  }
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: first.orgID,
        name: first.ruleGroup,
        folder: folderTitle,
        interval: `${intervalSeconds}s`,
        rules: rules.map(fileRule),
      },
    ],
  };
}

/** Contact points by name, each with its integrations (receivers). */
export function contactPointsFile(integrations: EmbeddedContactPoint[], orgId = 1): ProvisioningFile {
  const names = [...new Set(integrations.map((integration) => integration.name))];
  return {
    apiVersion: 1,
    contactPoints: names.map((name) => ({
      orgId,
      name,
      receivers: integrations
        .filter((integration) => integration.name === name)
        .map(({ uid, type, settings, disableResolveMessage }) => ({ uid, type, settings, disableResolveMessage })),
    })),
  };
}

export function templatesFile(templates: NotificationTemplate[], orgId = 1): ProvisioningFile {
  return { apiVersion: 1, templates: templates.map(({ name, template }) => ({ orgId, name, template })) };
}

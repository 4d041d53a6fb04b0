/**
 * Grafana's HTTP API for folders and alerting provisioning, as the Alerting setup page uses it: with
 * the signed-in user's rights, through @grafana/runtime's backend service. Paths, bodies and status
 * codes follow Grafana's source (pkg/api/folder.go, pkg/services/folder/model.go,
 * pkg/services/ngalert/api/tooling/definitions/provisioning_*.go, pkg/services/ngalert/api/api_provisioning.go).
 */
import { getBackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { AlertRule, EmbeddedContactPoint, NotificationTemplate } from '../alerting';
import { errorMessage } from '../query';

/**
 * Writes carry this header so that Grafana stores them without provenance: ordinary rules and contact
 * points that users can edit in the UI, not locked as "provisioned".
 */
export const DISABLE_PROVENANCE = { 'X-Disable-Provenance': 'true' };

/** A folder as GET /api/folders lists it (dtos.FolderSearchHit) and POST /api/folders returns it (dtos.Folder). */
export interface Folder {
  uid: string;
  title: string;
}

/** A rule as Grafana answers it: with the read-only fields it sets. */
export type StoredAlertRule = AlertRule & { updated?: string; provenance?: string };

/** A rule group (definitions.AlertRuleGroup): PUT replaces the group's rules with `rules`. */
export interface RuleGroup<Rule = AlertRule> {
  title: string;
  folderUid: string;
  interval: number;
  rules: Rule[];
}

/** A request Grafana refused, with the message its API answered. */
export class GrafanaApiError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string
  ) {
    super(message);
    this.name = 'GrafanaApiError';
  }
}

async function request<T>(options: BackendSrvRequest & { action: string }): Promise<FetchResponse<T>> {
  const { action, ...rest } = options;
  try {
    // The page shows the error itself, next to what failed; Grafana's toast would say it twice.
    return await lastValueFrom(getBackendSrv().fetch<T>({ showErrorAlert: false, ...rest }));
  } catch (error) {
    throw new GrafanaApiError(statusOf(error), `${action}: ${errorMessage(error)}`);
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

export async function listFolders(): Promise<Folder[]> {
  const response = await request<Folder[]>({ url: '/api/folders', method: 'GET', action: 'Could not list folders' });
  return response.data.map(({ uid, title }) => ({ uid, title }));
}

export async function createFolder(title: string): Promise<Folder> {
  const response = await request<Folder>({
    url: '/api/folders',
    method: 'POST',
    data: { title },
    action: `Could not create folder "${title}"`,
  });
  return { uid: response.data.uid, title: response.data.title };
}

/** Every integration of every contact point; Grafana redacts their secrets. */
export async function listContactPoints(): Promise<EmbeddedContactPoint[]> {
  const response = await request<EmbeddedContactPoint[]>({
    url: '/api/v1/provisioning/contact-points',
    method: 'GET',
    action: 'Could not list contact points',
  });
  return response.data;
}

function integrationAction(integration: EmbeddedContactPoint, verb: string): string {
  return `Could not ${verb} the ${integration.type} integration of contact point "${integration.name}"`;
}

/** Creates one integration; several with the same name make one contact point. Grafana answers 202. */
export async function createContactPointIntegration(integration: EmbeddedContactPoint): Promise<void> {
  await request({
    url: '/api/v1/provisioning/contact-points',
    method: 'POST',
    headers: DISABLE_PROVENANCE,
    data: integration,
    action: integrationAction(integration, 'create'),
  });
}

export async function updateContactPointIntegration(integration: EmbeddedContactPoint): Promise<void> {
  await request({
    url: `/api/v1/provisioning/contact-points/${encodeURIComponent(integration.uid)}`,
    method: 'PUT',
    headers: DISABLE_PROVENANCE,
    data: integration,
    action: integrationAction(integration, 'update'),
  });
}

/** Creates or replaces a notification template group (202). */
export async function putTemplate(template: NotificationTemplate): Promise<void> {
  await request({
    url: `/api/v1/provisioning/templates/${encodeURIComponent(template.name)}`,
    method: 'PUT',
    headers: DISABLE_PROVENANCE,
    data: { template: template.template },
    action: `Could not save message template "${template.name}"`,
  });
}

/**
 * Saves the message templates, then each integration: PUT when its uid exists (a new secret replaces
 * the old one), POST otherwise. Calls `onSaved` with each integration's uid once Grafana has it.
 */
export async function saveContactPoints(
  templates: NotificationTemplate[],
  integrations: EmbeddedContactPoint[],
  existingUids: Set<string>,
  onSaved: (uid: string) => void
): Promise<void> {
  for (const template of templates) {
    await putTemplate(template);
  }
  for (const integration of integrations) {
    if (existingUids.has(integration.uid)) {
      await updateContactPointIntegration(integration);
    } else {
      await createContactPointIntegration(integration);
    }
    onSaved(integration.uid);
  }
}

/** Every alert rule of the organisation the user can read. */
export async function listAlertRules(): Promise<StoredAlertRule[]> {
  const response = await request<StoredAlertRule[]>({
    url: '/api/v1/provisioning/alert-rules',
    method: 'GET',
    action: 'Could not list alert rules',
  });
  return response.data;
}

export async function createAlertRule(rule: AlertRule): Promise<void> {
  await request({
    url: '/api/v1/provisioning/alert-rules',
    method: 'POST',
    headers: DISABLE_PROVENANCE,
    data: rule,
    action: `Could not create rule "${rule.title}"`,
  });
}

export async function updateAlertRule(rule: AlertRule): Promise<void> {
  await request({
    url: `/api/v1/provisioning/alert-rules/${encodeURIComponent(rule.uid)}`,
    method: 'PUT',
    headers: DISABLE_PROVENANCE,
    data: rule,
    action: `Could not update rule "${rule.title}"`,
  });
}

function ruleGroupUrl(folderUid: string, group: string): string {
  return `/api/v1/provisioning/folder/${encodeURIComponent(folderUid)}/rule-groups/${encodeURIComponent(group)}`;
}

export async function getRuleGroup(folderUid: string, group: string): Promise<RuleGroup<StoredAlertRule>> {
  const response = await request<RuleGroup<StoredAlertRule>>({
    url: ruleGroupUrl(folderUid, group),
    method: 'GET',
    action: `Could not read rule group "${group}"`,
  });
  return response.data;
}

export async function putRuleGroup(group: RuleGroup): Promise<void> {
  await request({
    url: ruleGroupUrl(group.folderUid, group.title),
    method: 'PUT',
    headers: DISABLE_PROVENANCE,
    data: group,
    action: `Could not set the evaluation interval of rule group "${group.title}"`,
  });
}

export interface ApplyReport {
  created: string[];
  updated: string[];
  /** Whether the group's evaluation interval had to be set. */
  intervalSet: boolean;
}

/**
 * Creates or updates `rules` (all of one folder and group) so that running it again updates rather than
 * duplicates: a rule whose uid exists is PUT, the others are POSTed. Then the group's evaluation interval
 * is set when it differs; that PUT replaces the group's rules, so it sends back every rule the group holds,
 * including rules users added to it.
 */
export async function applyAlertRules(
  rules: AlertRule[],
  target: { folderUid: string; group: string; intervalSeconds: number }
): Promise<ApplyReport> {
  const existing = new Set((await listAlertRules()).map((rule) => rule.uid));
  const report: ApplyReport = { created: [], updated: [], intervalSet: false };
  for (const rule of rules) {
    if (existing.has(rule.uid)) {
      await updateAlertRule(rule);
      report.updated.push(rule.title);
    } else {
      await createAlertRule(rule);
      report.created.push(rule.title);
    }
  }
  const group = await getRuleGroup(target.folderUid, target.group);
  if (group.interval !== target.intervalSeconds) {
    // `updated` and `provenance` are read-only: Grafana sets them, a request does not carry them.
    const rulesAsSent = group.rules.map(({ updated: _updated, provenance: _provenance, ...rule }) => rule);
    await putRuleGroup({ ...group, interval: target.intervalSeconds, rules: rulesAsSent });
    report.intervalSet = true;
  }
  return report;
}

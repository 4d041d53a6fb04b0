/**
 * A stateful stand-in for the part of Grafana's HTTP API the Alerting setup page uses: folders, contact
 * points, alert rules and rule groups, answering with Grafana's status codes and behaviour as its
 * source has them (pkg/api/folder.go, pkg/services/ngalert/api/api_provisioning.go). Every request body
 * is validated against our schema of Grafana's API (grafana-api-schema.ts) with ajv; a violation, a
 * write without `X-Disable-Provenance` or an endpoint Grafana does not have is answered 400/404 and
 * recorded in `violations`, which a test asserts empty.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  alertRuleGroup,
  createFolderCommand,
  embeddedContactPoint,
  notificationTemplateContent,
  provisionedAlertRule,
} from './grafana-api-schema';

export interface StubFolder {
  id: number;
  uid: string;
  title: string;
}

export interface StubIntegration {
  uid: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
  disableResolveMessage: boolean;
}

export interface StubRule extends Record<string, unknown> {
  uid: string;
  title: string;
  folderUID: string;
  ruleGroup: string;
  /** '' when written with X-Disable-Provenance, as Grafana stores ProvenanceNone. */
  provenance: string;
}

export interface StubState {
  folders: StubFolder[];
  contactPoints: StubIntegration[];
  rules: StubRule[];
  /** Notification template groups by name. */
  templates: Record<string, string>;
  /** Evaluation interval in seconds by `${folderUid}/${group}`. */
  intervals: Record<string, number>;
}

export interface StubRequest {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** Settings Grafana keeps encrypted (secure settings) and answers as "[REDACTED]". */
const SECURE_SETTINGS: Record<string, string[]> = { slack: ['url', 'token'], pagerduty: ['integrationKey'] };
const REDACTED = '[REDACTED]';
/** Grafana's default evaluation interval of a group created by a rule's POST ([unified_alerting] default 1m). */
const DEFAULT_INTERVAL_SECONDS = 60;

const ajv = new Ajv({ allErrors: true, strict: false });
const validators: Record<string, ValidateFunction> = {
  folder: ajv.compile(createFolderCommand),
  'contact-point': ajv.compile(embeddedContactPoint),
  'alert-rule': ajv.compile(provisionedAlertRule),
  'rule-group': ajv.compile(alertRuleGroup),
  template: ajv.compile(notificationTemplateContent),
};

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

export class GrafanaApiStub {
  state: StubState = { folders: [], contactPoints: [], rules: [], templates: {}, intervals: {} };
  readonly requests: StubRequest[] = [];
  readonly violations: string[] = [];
  /** When set, the next request to a path matching it fails with this answer (a fault to show on the page). */
  fail?: { method: string; path: RegExp; status: number; message: string };
  private nextId = 1;

  reset(state: Partial<StubState> = {}): void {
    this.state = { folders: [], contactPoints: [], rules: [], templates: {}, intervals: {}, ...structuredClone(state) };
    this.requests.length = 0;
    this.violations.length = 0;
    this.fail = undefined;
  }

  /** Answers `/api/…` requests; returns false for other paths. */
  handle(request: IncomingMessage, response: ServerResponse): boolean {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith('/api/')) {
      return false;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const text = Buffer.concat(chunks).toString('utf8');
      let status = 200;
      let answer: unknown;
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
        [status, answer] = this.route(method, decodeURIComponent(url.pathname), body, request.headers);
      } catch (error) {
        status = error instanceof ApiError ? error.status : 400;
        answer = { message: error instanceof Error ? error.message : String(error) };
      }
      this.requests.push({ method, path: url.pathname, status, headers: request.headers, body });
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer ?? {}));
    });
    return true;
  }

  private violation(message: string): never {
    this.violations.push(message);
    throw new ApiError(400, message);
  }

  private validate(kind: keyof typeof validators, method: string, path: string, body: unknown) {
    const validate = validators[kind]!;
    if (!validate(body)) {
      this.violation(`${method} ${path}: body does not match Grafana's schema: ${ajv.errorsText(validate.errors)}`);
    }
  }

  private requireNoProvenance(method: string, path: string, headers: IncomingMessage['headers']) {
    if (headers['x-disable-provenance'] === undefined) {
      this.violation(`${method} ${path}: sent without X-Disable-Provenance, so Grafana would lock what it writes`);
    }
  }

  private route(method: string, path: string, body: unknown, headers: IncomingMessage['headers']): [number, unknown] {
    const fail = this.fail;
    if (fail && fail.method === method && fail.path.test(path)) {
      this.fail = undefined;
      throw new ApiError(fail.status, fail.message);
    }
    const ruleGroup = path.match(/^\/api\/v1\/provisioning\/folder\/([^/]+)\/rule-groups\/([^/]+)$/);
    const rule = path.match(/^\/api\/v1\/provisioning\/alert-rules\/([^/]+)$/);
    const contactPoint = path.match(/^\/api\/v1\/provisioning\/contact-points\/([^/]+)$/);
    const template = path.match(/^\/api\/v1\/provisioning\/templates\/([^/]+)$/);
    switch (true) {
      case method === 'GET' && path === '/api/folders':
        return [200, this.state.folders];
      case method === 'POST' && path === '/api/folders':
        this.validate('folder', method, path, body);
        return [200, this.createFolder(body as { title: string; uid?: string })];
      case method === 'GET' && path === '/api/v1/provisioning/contact-points':
        return [200, this.state.contactPoints.map(redacted)];
      case method === 'POST' && path === '/api/v1/provisioning/contact-points':
        this.validate('contact-point', method, path, body);
        this.requireNoProvenance(method, path, headers);
        return [202, redacted(this.createIntegration(body as Partial<StubIntegration>))];
      case method === 'PUT' && contactPoint !== null:
        this.validate('contact-point', method, path, body);
        this.requireNoProvenance(method, path, headers);
        this.updateIntegration(contactPoint![1]!, body as StubIntegration);
        return [202, {}];
      case method === 'PUT' && template !== null:
        this.validate('template', method, path, body);
        this.requireNoProvenance(method, path, headers);
        this.state.templates[template![1]!] = (body as { template: string }).template;
        return [202, { name: template![1], template: this.state.templates[template![1]!] }];
      case method === 'GET' && path === '/api/v1/provisioning/alert-rules':
        return [200, this.state.rules];
      case method === 'POST' && path === '/api/v1/provisioning/alert-rules':
        this.validate('alert-rule', method, path, body);
        this.requireNoProvenance(method, path, headers);
        return [201, this.createRule(body as StubRule)];
      case method === 'PUT' && rule !== null:
        this.validate('alert-rule', method, path, body);
        this.requireNoProvenance(method, path, headers);
        return [200, this.updateRule(rule![1]!, body as StubRule)];
      case method === 'GET' && ruleGroup !== null:
        return [200, this.group(ruleGroup![1]!, ruleGroup![2]!)];
      case method === 'PUT' && ruleGroup !== null:
        this.validate('rule-group', method, path, body);
        this.requireNoProvenance(method, path, headers);
        return [
          200,
          this.replaceGroup(ruleGroup![1]!, ruleGroup![2]!, body as { interval: number; rules: StubRule[] }),
        ];
      default:
        this.violations.push(`${method} ${path}: not an endpoint of Grafana's API the page should use`);
        throw new ApiError(404, 'Not found');
    }
  }

  private createFolder(command: { title: string; uid?: string }): StubFolder {
    if (this.state.folders.some((folder) => folder.title === command.title)) {
      throw new ApiError(409, 'a folder with the same name already exists');
    }
    const folder = { id: this.nextId++, uid: command.uid ?? `folder-${this.nextId}`, title: command.title };
    this.state.folders.push(folder);
    return folder;
  }

  private createIntegration(integration: Partial<StubIntegration>): StubIntegration {
    const created = {
      ...integration,
      disableResolveMessage: integration.disableResolveMessage ?? false,
      uid: integration.uid ?? `cp-${this.nextId++}`,
    } as StubIntegration;
    if (this.state.contactPoints.some((existing) => existing.uid === created.uid)) {
      throw new ApiError(400, `contact point with uid ${created.uid} already exists`);
    }
    this.state.contactPoints.push(created);
    return created;
  }

  private updateIntegration(uid: string, integration: StubIntegration) {
    const index = this.state.contactPoints.findIndex((existing) => existing.uid === uid);
    if (index < 0) {
      throw new ApiError(404, `contact point with uid ${uid} not found`);
    }
    this.state.contactPoints[index] = {
      ...integration,
      disableResolveMessage: integration.disableResolveMessage ?? false,
      uid,
    };
  }

  /** Checks Grafana makes beyond the schema: the folder exists, the condition names a query, the receiver exists. */
  private checkRule(rule: StubRule) {
    if (!this.state.folders.some((folder) => folder.uid === rule.folderUID)) {
      throw new ApiError(400, `invalid alert rule: folder ${rule.folderUID} does not exist`);
    }
    const refIds = (rule.data as Array<{ refId: string }>).map((query) => query.refId);
    if (!refIds.includes(rule.condition as string)) {
      throw new ApiError(400, `invalid alert rule: condition ${String(rule.condition)} does not exist in data`);
    }
    const receiver = (rule.notification_settings as { receiver?: string } | undefined)?.receiver;
    if (receiver !== undefined && !this.state.contactPoints.some((integration) => integration.name === receiver)) {
      throw new ApiError(400, `invalid notification settings: receiver '${receiver}' does not exist`);
    }
  }

  private stored(rule: StubRule, uid: string): StubRule {
    return { ...rule, uid, id: this.nextId++, provenance: '', updated: new Date().toISOString() };
  }

  private createRule(rule: StubRule): StubRule {
    this.checkRule(rule);
    const uid = rule.uid ?? `rule-${this.nextId}`;
    if (this.state.rules.some((existing) => existing.uid === uid)) {
      throw new ApiError(409, `an alert rule with uid ${uid} already exists`);
    }
    const stored = this.stored(rule, uid);
    this.state.rules.push(stored);
    const key = `${rule.folderUID}/${rule.ruleGroup}`;
    this.state.intervals[key] ??= DEFAULT_INTERVAL_SECONDS;
    return stored;
  }

  private updateRule(uid: string, rule: StubRule): StubRule {
    const index = this.state.rules.findIndex((existing) => existing.uid === uid);
    if (index < 0) {
      throw new ApiError(404, `alert rule ${uid} not found`);
    }
    this.checkRule(rule);
    const stored = this.stored(rule, uid);
    this.state.rules[index] = stored;
    this.state.intervals[`${rule.folderUID}/${rule.ruleGroup}`] ??= DEFAULT_INTERVAL_SECONDS;
    return stored;
  }

  private group(folderUid: string, title: string) {
    const rules = this.state.rules.filter((rule) => rule.folderUID === folderUid && rule.ruleGroup === title);
    if (rules.length === 0) {
      throw new ApiError(404, 'rule group does not exist');
    }
    return { title, folderUid, interval: this.state.intervals[`${folderUid}/${title}`], rules };
  }

  /** Grafana's ReplaceRuleGroup: the group ends up with exactly `rules`; rules left out are deleted. */
  private replaceGroup(folderUid: string, title: string, group: { interval: number; rules: StubRule[] }) {
    for (const rule of group.rules) {
      if (rule.folderUID !== folderUid || rule.ruleGroup !== title) {
        throw new ApiError(400, `rule ${rule.uid} does not belong to group ${title} of folder ${folderUid}`);
      }
      this.checkRule(rule);
    }
    const others = this.state.rules.filter((rule) => rule.folderUID !== folderUid || rule.ruleGroup !== title);
    this.state.rules = [...others, ...group.rules.map((rule) => this.stored(rule, rule.uid ?? `rule-${this.nextId}`))];
    this.state.intervals[`${folderUid}/${title}`] = group.interval;
    return { title, folderUid, ...group };
  }
}

function redacted(integration: StubIntegration): StubIntegration {
  const settings = { ...integration.settings };
  for (const key of SECURE_SETTINGS[integration.type] ?? []) {
    if (key in settings) {
      settings[key] = REDACTED;
    }
  }
  return { ...integration, settings };
}

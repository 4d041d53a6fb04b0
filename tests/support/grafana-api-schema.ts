/**
 * Our JSON schema (draft-07) of the request bodies the Alerting setup page sends to Grafana's HTTP API,
 * written from Grafana's Go types and their swagger annotations (not copied from Grafana's files):
 *
 * - grafana/grafana pkg/services/ngalert/api/tooling/definitions/provisioning_alert_rules.go
 *   (ProvisionedAlertRule, AlertRuleGroup, AlertRuleNotificationSettings; the version with
 *   `notification_settings`, `record` and `missingSeriesEvalsToResolve`) and cortex-ruler.go
 *   (AlertQuery, RelativeTimeRange, NoDataState, ExecutionErrorState, including KeepLast);
 * - grafana/grafana pkg/services/ngalert/api/tooling/definitions/provisioning_contactpoints.go at
 *   02d657b8b5b76787448a81d04497552b2d06120e (EmbeddedContactPoint), with the integration settings of
 *   grafana/alerting receivers/slack/config.go at 83aee5eff84bfdc0453c7000644dd749ac384ca7 and
 *   receivers/pagerduty/config.go at 3825c1fd53485e8f7e08111e87caebf098fc4888;
 * - grafana/grafana pkg/services/ngalert/api/tooling/definitions/provisioning_templates.go
 *   (NotificationTemplateContent, with the optional `version` of Grafana 11.x+);
 * - grafana/grafana pkg/services/folder/model.go (CreateFolderCommand) and pkg/api/folder.go (POST /api/folders).
 *
 * Fields marked `readonly` in the swagger annotations (`updated`, `provenance`) are not accepted in a
 * request, and no unknown field is: a typo or a field of another shape (the file-provisioning
 * `dashboardUid`, say) fails validation. Rules link to a panel through the `__dashboardUid__` and
 * `__panelId__` annotations, which Grafana requires together (models.AlertRule.SetDashboardAndPanelFromAnnotations).
 */

/** A Prometheus duration (prometheus/common model.Duration), as `for` and the routing timings are written. */
const DURATION = {
  type: 'string',
  pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
  minLength: 1,
};

/** uids of rules and contact points: `minLength: 1, maxLength: 40, pattern: ^[a-zA-Z0-9-_]+$`. */
const UID = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[a-zA-Z0-9_-]+$' };

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } };

const alertQuery = {
  type: 'object',
  required: ['refId', 'datasourceUid', 'model'],
  additionalProperties: false,
  properties: {
    refId: { type: 'string', minLength: 1 },
    queryType: { type: 'string' },
    // definitions.RelativeTimeRange: Duration fields marshalled as seconds.
    relativeTimeRange: {
      type: 'object',
      required: ['from', 'to'],
      additionalProperties: false,
      properties: { from: { type: 'number', minimum: 0 }, to: { type: 'number', minimum: 0 } },
    },
    datasourceUid: { type: 'string', minLength: 1 },
    model: { type: 'object' },
  },
};

const notificationSettings = {
  type: 'object',
  required: ['receiver'],
  additionalProperties: false,
  properties: {
    receiver: { type: 'string', minLength: 1 },
    // "Must include 'alertname' and 'grafana_folder' if not using '...'."
    group_by: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      anyOf: [
        { const: ['...'] },
        { allOf: [{ contains: { const: 'alertname' } }, { contains: { const: 'grafana_folder' } }] },
      ],
    },
    group_wait: DURATION,
    group_interval: DURATION,
    repeat_interval: DURATION,
    mute_time_intervals: { type: 'array', items: { type: 'string' } },
    active_time_intervals: { type: 'array', items: { type: 'string' } },
  },
};

/** definitions.ProvisionedAlertRule as a request body (POST /alert-rules, PUT /alert-rules/{UID}, rule groups). */
export const provisionedAlertRule = {
  type: 'object',
  required: ['orgID', 'folderUID', 'ruleGroup', 'title', 'condition', 'data', 'noDataState', 'execErrState', 'for'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer' },
    uid: UID,
    orgID: { type: 'integer' },
    folderUID: { type: 'string', minLength: 1 },
    ruleGroup: { type: 'string', minLength: 1, maxLength: 190 },
    title: { type: 'string', minLength: 1, maxLength: 190 },
    condition: { type: 'string', minLength: 1 },
    data: { type: 'array', minItems: 1, items: alertQuery },
    noDataState: { enum: ['Alerting', 'NoData', 'OK', 'KeepLast'] },
    execErrState: { enum: ['OK', 'Alerting', 'Error', 'KeepLast'] },
    for: DURATION,
    keep_firing_for: DURATION,
    annotations: {
      ...STRING_MAP,
      dependencies: { __dashboardUid__: ['__panelId__'], __panelId__: ['__dashboardUid__'] },
      properties: { __panelId__: { type: 'string', pattern: '^[0-9]+$' } },
    },
    labels: STRING_MAP,
    isPaused: { type: 'boolean' },
    notification_settings: notificationSettings,
    record: {
      type: 'object',
      required: ['metric', 'from'],
      properties: { metric: { type: 'string' }, from: { type: 'string' }, targetDatasourceUid: { type: 'string' } },
    },
    missingSeriesEvalsToResolve: { type: 'integer', minimum: 0 },
  },
};

/** definitions.AlertRuleGroup (PUT /folder/{FolderUID}/rule-groups/{Group}: replaces the group's rules). */
export const alertRuleGroup = {
  type: 'object',
  required: ['title', 'folderUid', 'interval', 'rules'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 190 },
    folderUid: { type: 'string', minLength: 1 },
    // Seconds; Grafana requires a positive multiple of its base interval (10 s by default).
    interval: { type: 'integer', minimum: 10, multipleOf: 10 },
    rules: { type: 'array', items: provisionedAlertRule },
  },
};

const slackSettings = {
  type: 'object',
  additionalProperties: false,
  // A webhook URL, or a bot token with a recipient (the chat API).
  anyOf: [{ required: ['url'] }, { required: ['token', 'recipient'] }],
  properties: {
    endpointUrl: { type: 'string' },
    url: { type: 'string', pattern: '^https?://' },
    token: { type: 'string', minLength: 1 },
    recipient: { type: 'string' },
    text: { type: 'string' },
    title: { type: 'string' },
    username: { type: 'string' },
    icon_emoji: { type: 'string' },
    icon_url: { type: 'string' },
    mentionChannel: { enum: ['', 'here', 'channel'] },
    mentionUsers: { type: 'string' },
    mentionGroups: { type: 'string' },
  },
};

const pagerDutySettings = {
  type: 'object',
  additionalProperties: false,
  required: ['integrationKey'],
  properties: {
    integrationKey: { type: 'string', minLength: 1 },
    severity: { type: 'string' },
    class: { type: 'string' },
    component: { type: 'string' },
    group: { type: 'string' },
    summary: { type: 'string' },
    source: { type: 'string' },
    client: { type: 'string' },
    client_url: { type: 'string' },
    details: STRING_MAP,
    // Grafana 11.1+; ignored before.
    url: { type: 'string', pattern: '^https?://' },
  },
};

/** definitions.EmbeddedContactPoint (POST /contact-points, PUT /contact-points/{UID}): one integration of a contact point. */
export const embeddedContactPoint = {
  type: 'object',
  required: ['name', 'type', 'settings'],
  additionalProperties: false,
  properties: {
    uid: UID,
    name: { type: 'string', minLength: 1 },
    type: {
      enum: [
        'alertmanager',
        'dingding',
        'discord',
        'email',
        'googlechat',
        'kafka',
        'line',
        'opsgenie',
        'pagerduty',
        'pushover',
        'sensugo',
        'slack',
        'teams',
        'telegram',
        'threema',
        'victorops',
        'webhook',
        'wecom',
      ],
    },
    settings: { type: 'object' },
    disableResolveMessage: { type: 'boolean' },
  },
  allOf: [
    { if: { properties: { type: { const: 'slack' } } }, then: { properties: { settings: slackSettings } } },
    { if: { properties: { type: { const: 'pagerduty' } } }, then: { properties: { settings: pagerDutySettings } } },
  ],
};

/** definitions.NotificationTemplateContent (PUT /templates/{name}). */
export const notificationTemplateContent = {
  type: 'object',
  required: ['template'],
  additionalProperties: false,
  properties: { template: { type: 'string', minLength: 1 }, version: { type: 'string' } },
};

/** folder.CreateFolderCommand (POST /api/folders). */
export const createFolderCommand = {
  type: 'object',
  required: ['title'],
  additionalProperties: false,
  properties: {
    uid: UID,
    title: { type: 'string', minLength: 1, pattern: '\\S' },
    description: { type: 'string' },
    parentUid: { type: 'string' },
  },
};

/**
 * Shapes of Grafana's alerting provisioning HTTP API bodies, as this plugin fills them.
 * Rules: `ProvisionedAlertRule` (grafana/grafana pkg/services/ngalert/api/tooling/definitions/
 * provisioning_alert_rules.go); contact points: `EmbeddedContactPoint` (…/definitions/provisioning_contactpoints.go);
 * templates: `NotificationTemplate` (…/definitions/provisioning_templates.go).
 */

/** `NoDataState`: what a rule does when its condition has no value at all. KeepLast needs Grafana 10.4+. */
export type NoDataState = 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
/** `ExecutionErrorState`: what a rule does when a query or expression fails. KeepLast needs Grafana 10.4+. */
export type ExecErrState = 'Error' | 'Alerting' | 'OK' | 'KeepLast';

/** Seconds before the evaluation time; expressions carry 0/0. */
export interface RelativeTimeRange {
  from: number;
  to: number;
}

/** `AlertQuery`: a data source query or a server-side expression (datasourceUid `__expr__`). */
export interface AlertQuery {
  refId: string;
  queryType?: string;
  relativeTimeRange: RelativeTimeRange;
  datasourceUid: string;
  model: Record<string, unknown>;
}

/** `AlertRuleNotificationSettings`: simplified routing straight to one contact point (Grafana 10.4+/11). */
export interface AlertRuleNotificationSettings {
  /** Contact point name. */
  receiver: string;
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
}

/** `ProvisionedAlertRule`, the body of POST/PUT /api/v1/provisioning/alert-rules. */
export interface AlertRule {
  uid: string;
  orgID: number;
  folderUID: string;
  ruleGroup: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  noDataState: NoDataState;
  execErrState: ExecErrState;
  /** A Prometheus duration (`5m`). */
  for: string;
  /** `__dashboardUid__` / `__panelId__` here link the rule to its panel when created through the API. */
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
  notification_settings: AlertRuleNotificationSettings;
  /**
   * Evaluations a series may be missing before its alert resolves. Honoured beyond 4 intervals from Grafana
   * 12.0.3 (grafana#107077); before, the Alertmanager resolved it after 4, and versions without the field
   * resolve after 2.
   */
  missingSeriesEvalsToResolve?: number;
}

/** `EmbeddedContactPoint`: one integration; integrations sharing a `name` form one contact point. */
export interface EmbeddedContactPoint {
  uid: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
  disableResolveMessage: boolean;
}

/** `NotificationTemplate`: a named template group, PUT /api/v1/provisioning/templates/{name}. */
export interface NotificationTemplate {
  name: string;
  template: string;
}

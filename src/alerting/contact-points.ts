import type { EmbeddedContactPoint, NotificationTemplate } from './types';

/** Contact point names the rules route to (notification_settings.receiver). */
export const TESSERACT_CONTACT_POINTS = {
  /** Pages: PagerDuty, Slack and the webhook. */
  critical: 'tesseract-critical',
  /** Slack and the webhook. */
  warning: 'tesseract-warning',
  /** One message per failed transaction, Slack and the webhook, never a resolved message. */
  failures: 'tesseract-failures',
} as const;

export type IntegrationKind = 'slack' | 'pagerduty' | 'webhook';

/** Which contact points each integration joins. */
export const INTEGRATION_CONTACT_POINTS: Readonly<
  Record<IntegrationKind, ReadonlyArray<keyof typeof TESSERACT_CONTACT_POINTS>>
> = {
  slack: ['critical', 'warning', 'failures'],
  pagerduty: ['critical'],
  webhook: ['critical', 'warning', 'failures'],
};

/** Secrets and endpoints of one integration; provisioning files pass `${ENV}` references here. */
export interface SlackIntegration {
  /** Incoming-webhook URL (secure in Grafana). */
  url: string;
  /** Channel shown in the message; the webhook decides where it goes. */
  recipient?: string;
}
export interface PagerDutyIntegration {
  /** Events API v2 integration key (secure in Grafana). */
  integrationKey: string;
  /** Events API endpoint (Grafana 11.1+, ignored before); default PagerDuty's. */
  url?: string;
}
export interface WebhookIntegration {
  url: string;
}

export interface ContactPointOptions {
  slack?: SlackIntegration;
  pagerduty?: PagerDutyIntegration;
  webhook?: WebhookIntegration;
  /** Integration uids are `<prefix>-<contact point>-<kind>`. Default `tesseract`. */
  uidPrefix?: string;
}

const TITLE = '{{ template "tesseract.title" . }}';
const TEXT = '{{ template "tesseract.text" . }}';

function integrationSettings(kind: IntegrationKind, options: ContactPointOptions): Record<string, unknown> {
  switch (kind) {
    case 'slack': {
      const slack = options.slack!;
      return {
        url: slack.url,
        recipient: slack.recipient ?? '#tesseract-alerts',
        username: 'Tesseract Monitor',
        icon_emoji: ':rotating_light:',
        title: TITLE,
        text: TEXT,
      };
    }
    case 'pagerduty': {
      const pagerduty = options.pagerduty!;
      return {
        integrationKey: pagerduty.integrationKey,
        ...(pagerduty.url ? { url: pagerduty.url } : {}),
        severity: '{{ .CommonLabels.severity }}',
        class: 'tesseract',
        component: '{{ .CommonLabels.chain }}',
        group: '{{ .CommonLabels.alertname }}',
        summary: '{{ template "tesseract.pagerduty.summary" . }}',
      };
    }
    case 'webhook':
      return { url: options.webhook!.url, httpMethod: 'POST', title: TITLE, message: TEXT };
  }
}

/**
 * The integrations of the given kinds, each as an EmbeddedContactPoint of the contact point it joins.
 * Grafana groups integrations by name into one contact point, also across provisioning files
 * (pkg/services/ngalert/provisioning/contactpoints.go CreateContactPoint appends to the receiver of that
 * name), so an integration that is not configured is simply not created.
 */
export function tesseractContactPoints(options: ContactPointOptions): EmbeddedContactPoint[] {
  const prefix = options.uidPrefix ?? 'tesseract';
  const kinds = (Object.keys(INTEGRATION_CONTACT_POINTS) as IntegrationKind[]).filter((kind) => options[kind]);
  return kinds.flatMap((kind) =>
    INTEGRATION_CONTACT_POINTS[kind].map((feed) => ({
      uid: `${prefix}-${feed}-${kind}`,
      name: TESSERACT_CONTACT_POINTS[feed],
      type: kind,
      settings: integrationSettings(kind, options),
      // A failure's alert resolves when it leaves the lookback window: that is no news.
      disableResolveMessage: feed === 'failures',
    }))
  );
}

/** Message templates the contact points refer to. */
export const TESSERACT_TEMPLATES: NotificationTemplate[] = [
  {
    name: 'tesseract',
    template: `{{ define "tesseract.title" -}}
[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.severity | toUpper }} {{ .CommonLabels.alertname }}{{ with .CommonLabels.chain }} on {{ . }}{{ end }}
{{- end }}

{{ define "tesseract.dashboard.link" -}}
{{ if .DashboardURL }}{{ .DashboardURL }}{{ with .Labels.chain }}&var-deployment={{ . }}{{ end }}{{ with .Labels.tx_id }}&var-tx_id={{ . }}{{ end }}{{ else }}{{ .GeneratorURL }}{{ end }}
{{- end }}

{{ define "tesseract.alert" -}}
{{ if eq .Status "firing" }}FIRING{{ else }}RESOLVED{{ end }} {{ .Labels.severity | toUpper }}: {{ .Annotations.summary }}
{{ .Annotations.description }}
Chain: {{ or .Labels.chain "n/a" }}{{ with .Labels.chain_id }} (chain id {{ . }}){{ end }}{{ with .Labels.contract }}, contract {{ . }}{{ end }}
{{ with .Labels.tx_id }}tx_id: {{ . }}
{{ end }}{{ with .Labels.reason }}Reason: {{ . }}
{{ end }}{{ with .Annotations.runbook }}Runbook: {{ . }}
{{ end }}Dashboard: {{ template "tesseract.dashboard.link" . }}
{{- end }}

{{ define "tesseract.text" -}}
{{ range .Alerts }}{{ template "tesseract.alert" . }}

{{ end }}
{{- end }}

{{ define "tesseract.pagerduty.summary" -}}
{{ template "tesseract.title" . }}{{ range .Alerts.Firing }} | {{ .Annotations.summary }}{{ with .Labels.reason }}: {{ . }}{{ end }}{{ end }}
{{- end }}
`,
  },
];

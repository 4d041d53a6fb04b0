import { Alert, Button, Field, Input, SecretInput, Stack, Text } from '@grafana/ui';
import React, { useRef, useState } from 'react';
import {
  INTEGRATION_CONTACT_POINTS,
  TESSERACT_CONTACT_POINTS,
  TESSERACT_TEMPLATES,
  tesseractContactPoints,
  type ContactPointOptions,
  type IntegrationKind,
} from '../../alerting';
import { saveContactPoints } from '../provisioning';

interface Props {
  /** uids of the integrations Grafana has: those are replaced, not added again. */
  existingUids: Set<string>;
  /** After an attempt: the contact point names that got an integration, and whether all were saved. */
  onSaved: (names: string[], complete: boolean) => void;
  onCancel: () => void;
}

const LABELS: Record<IntegrationKind, string> = {
  slack: 'Slack webhook URL',
  pagerduty: 'PagerDuty integration key',
  webhook: 'Webhook URL',
};

const DESCRIPTIONS: Record<IntegrationKind, string> = {
  slack: 'An incoming webhook of your Slack workspace.',
  pagerduty: 'The Events API v2 integration key of a PagerDuty service.',
  webhook: 'Optional: any HTTP endpoint that takes Grafana’s webhook payload (a chat bridge, an incident tool).',
};

const PLACEHOLDERS: Record<IntegrationKind, string> = {
  slack: 'https://hooks.slack.com/services/…',
  pagerduty: 'integration key',
  webhook: 'https://…',
};

const KINDS = Object.keys(INTEGRATION_CONTACT_POINTS) as IntegrationKind[];

/** uids of the integrations a kind creates (they do not depend on the secrets). */
function uidsOf(kind: IntegrationKind): string[] {
  const blank: ContactPointOptions = { [kind]: { url: '', integrationKey: '' } };
  return tesseractContactPoints(blank).map((integration) => integration.uid);
}

function joins(kind: IntegrationKind): string {
  return INTEGRATION_CONTACT_POINTS[kind].map((feed) => TESSERACT_CONTACT_POINTS[feed]).join(', ');
}

/**
 * Creates Tesseract's contact points (tesseract-critical, -warning, -failures) from a Slack webhook,
 * a PagerDuty key and/or a webhook: only the integrations given. The secrets are typed into
 * uncontrolled password inputs and read from the DOM only to build the requests, so they never enter
 * React state; the inputs are emptied as soon as the requests are built, whatever the outcome.
 */
export function NewContactPoints({ existingUids, onSaved, onCancel }: Props) {
  const [channel, setChannel] = useState('#tesseract-alerts');
  const [pagerDutyUrl, setPagerDutyUrl] = useState('');
  /** Which secret inputs hold something (not what). */
  const [typed, setTyped] = useState<Partial<Record<IntegrationKind, boolean>>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const form = useRef<HTMLDivElement>(null);

  const submit = async () => {
    const inputs = Object.fromEntries(
      KINDS.map((kind) => [kind, form.current?.querySelector<HTMLInputElement>(`input[data-secret="${kind}"]`)])
    ) as Record<IntegrationKind, HTMLInputElement | null | undefined>;
    const secret = (kind: IntegrationKind) => inputs[kind]?.value.trim() || undefined;
    const options: ContactPointOptions = {};
    const slack = secret('slack');
    const integrationKey = secret('pagerduty');
    const webhook = secret('webhook');
    if (slack) {
      options.slack = { url: slack, recipient: channel.trim() || undefined };
    }
    if (integrationKey) {
      options.pagerduty = { integrationKey, url: pagerDutyUrl.trim() || undefined };
    }
    if (webhook) {
      options.webhook = { url: webhook };
    }
    const integrations = tesseractContactPoints(options);
    for (const input of Object.values(inputs)) {
      if (input) {
        input.value = '';
      }
    }
    setTyped({});
    setBusy(true);
    setError(undefined);
    const saved = new Set<string>();
    let complete = false;
    try {
      await saveContactPoints(TESSERACT_TEMPLATES, integrations, existingUids, (uid) => saved.add(uid));
      complete = true;
    } catch (failure) {
      setError(
        `${failure instanceof Error ? failure.message : String(failure)}. Type the secrets again to retry: ` +
          'integrations already saved are replaced, not duplicated.'
      );
    } finally {
      setBusy(false);
      const names = integrations.filter((integration) => saved.has(integration.uid)).map(({ name }) => name);
      onSaved([...new Set(names)], complete);
    }
  };

  return (
    <div ref={form} role="group" aria-label="New Tesseract contact points">
      <Stack direction="column" gap={1}>
        <Text color="secondary">
          Give the integrations you use; each joins the contact points named after it. Grafana keeps the secrets
          encrypted; this page does not keep them.
        </Text>
        {KINDS.map((kind) => (
          <React.Fragment key={kind}>
            <Field
              label={LABELS[kind]}
              description={`${DESCRIPTIONS[kind]} Joins ${joins(kind)}.${
                uidsOf(kind).some((uid) => existingUids.has(uid))
                  ? ' Grafana has this integration already: a new value replaces it.'
                  : ''
              }`}
            >
              <SecretInput
                id={`new-contact-point-${kind}`}
                data-secret={kind}
                isConfigured={false}
                onReset={() => {}}
                placeholder={PLACEHOLDERS[kind]}
                autoComplete="off"
                width={60}
                onChange={(event) => {
                  const hasValue = event.currentTarget.value.trim() !== '';
                  setTyped((current) => (current[kind] === hasValue ? current : { ...current, [kind]: hasValue }));
                }}
              />
            </Field>
            {kind === 'slack' && (
              <Field label="Slack channel" description="Shown in the message; the webhook decides where it goes.">
                <Input
                  id="new-contact-point-channel"
                  width={40}
                  value={channel}
                  onChange={(event) => setChannel(event.currentTarget.value)}
                />
              </Field>
            )}
            {kind === 'pagerduty' && (
              <Field
                label="PagerDuty Events API URL"
                description="Optional; PagerDuty's own by default. Grafana 11.1+ (earlier versions ignore it)."
              >
                <Input
                  id="new-contact-point-pagerduty-url"
                  width={60}
                  value={pagerDutyUrl}
                  placeholder="https://events.pagerduty.com/v2/enqueue"
                  onChange={(event) => setPagerDutyUrl(event.currentTarget.value)}
                />
              </Field>
            )}
          </React.Fragment>
        ))}
        {error && <Alert severity="error" title={error} />}
        <Stack direction="row" gap={1}>
          <Button icon="plus" disabled={busy || !Object.values(typed).some(Boolean)} onClick={submit}>
            {busy ? 'Saving…' : 'Create contact points'}
          </Button>
          <Button variant="secondary" fill="outline" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
        </Stack>
      </Stack>
    </div>
  );
}

import { Field, Input, RadioButtonGroup, SecretInput, Stack } from '@grafana/ui';
import React from 'react';
import {
  INDEX_STORE_KINDS,
  INDEX_STORE_POSTGRES_URL_KEY,
  RETENTION_DESCRIPTION,
  RETENTION_UNITS,
  type IndexRetention,
  type IndexStoreKind,
  type IndexStoreSettings,
  type RetentionUnit,
} from '../../query';

interface Props {
  store: IndexStoreSettings;
  /** Whether a Postgres URL is saved (Grafana returns only that flag, never the value). */
  postgresUrlConfigured: boolean;
  postgresUrl: string;
  onChange: (store: IndexStoreSettings) => void;
  onPostgresUrlChange: (url: string) => void;
  onPostgresUrlReset: () => void;
}

/** Where the log index is kept between restarts, and shared between Grafana replicas. */
export function IndexStoreEditor(props: Props) {
  const { store, onChange } = props;
  const kind: IndexStoreKind = store.kind ?? 'file';
  return (
    <Stack direction="column" gap={0}>
      <Field label="Index store" description={INDEX_STORE_KINDS.find((known) => known.value === kind)?.description}>
        <RadioButtonGroup
          options={INDEX_STORE_KINDS.map(({ value, label }) => ({ value, label }))}
          value={kind}
          onChange={(next) => onChange({ ...store, kind: next })}
        />
      </Field>
      {kind === 'file' && (
        <Field
          label="Directory"
          description="Absolute path the plugin may write. Empty: index_dir of [plugin.tesseract-monitor-datasource] in grafana.ini, else tesseract-monitor-index beside Grafana's plugins directory"
        >
          <Input
            aria-label="Index store directory"
            value={store.directory ?? ''}
            placeholder="/var/lib/grafana/tesseract-monitor-index"
            onChange={(event) => onChange({ ...store, directory: event.currentTarget.value || undefined })}
          />
        </Field>
      )}
      {kind === 'postgres' && (
        <Field
          label="Postgres URL"
          description="postgres://user:password@host:5432/database — stored encrypted; every replica uses the same"
        >
          <SecretInput
            aria-label="Index store Postgres URL"
            id={INDEX_STORE_POSTGRES_URL_KEY}
            isConfigured={props.postgresUrlConfigured}
            value={props.postgresUrl}
            onChange={(event) => props.onPostgresUrlChange(event.currentTarget.value)}
            onReset={props.onPostgresUrlReset}
          />
        </Field>
      )}
      <RetentionField store={store} onChange={onChange} />
    </Stack>
  );
}

/** Keep N events or N days; the unit's rule (the parser's) is shown when the value breaks it. */
function RetentionField({ store, onChange }: Pick<Props, 'store' | 'onChange'>) {
  const retention = store.retention;
  const unitValue: RetentionUnit = retention?.days !== undefined ? 'days' : 'events';
  const unit = RETENTION_UNITS.find((known) => known.value === unitValue)!;
  const amount = retention?.[unitValue];
  const set = (next: RetentionUnit, value: number | undefined) =>
    onChange({
      ...store,
      retention:
        value === undefined ? undefined : ((next === 'days' ? { days: value } : { events: value }) as IndexRetention),
    });
  // Field hands `invalid` to its one child: the number input carries it, not a layout element.
  return (
    <Stack direction="row" gap={1}>
      <Field label="Retention" description={`${unit.description}. ${RETENTION_DESCRIPTION}`}>
        <RadioButtonGroup
          options={RETENTION_UNITS.map(({ value, label }) => ({ value, label }))}
          value={unitValue}
          onChange={(next) => set(next, amount)}
        />
      </Field>
      <Field
        label={`Keep ${unit.value}`}
        invalid={amount !== undefined && !unit.valid(amount)}
        error={`Must be ${unit.rule}`}
      >
        <Input
          aria-label="Index store retention"
          type="number"
          width={20}
          value={amount ?? ''}
          placeholder="everything"
          onChange={(event) => {
            const text = event.currentTarget.value;
            set(unitValue, text === '' ? undefined : Number(text));
          }}
        />
      </Field>
    </Stack>
  );
}

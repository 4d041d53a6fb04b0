import { Field, Input, RadioButtonGroup, SecretInput, Stack } from '@grafana/ui';
import React from 'react';
import {
  INDEX_STORE_KINDS,
  INDEX_STORE_POSTGRES_URL_KEY,
  type IndexStoreKind,
  type IndexStoreSettings,
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
    </Stack>
  );
}

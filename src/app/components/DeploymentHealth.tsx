import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type DataFrame, type GrafanaTheme2 } from '@grafana/data';
import { Badge, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import React from 'react';
import { HEALTH_FIELDS, LABEL_CHAIN, type HealthField } from '../../query';
import { dashboardUrl } from '../constants';
import { FrameTable } from './FrameTable';

type Row = Record<string, unknown>;

function rowsOf(frame: DataFrame): Row[] {
  const count = frame.fields[0]?.values.length ?? 0;
  return Array.from({ length: count }, (_, row) =>
    Object.fromEntries(frame.fields.map((field) => [field.name, field.values[row]]))
  );
}

const STATS: HealthField[] = ['head_block', 'head_age_seconds', 'rpc_latency_ms', 'transaction_count'];

function formatHealth(field: HealthField, value: unknown): string {
  if (typeof value !== 'number') {
    return '–';
  }
  return formattedValueToString(getValueFormat(HEALTH_FIELDS[field].unit)(value));
}

/** 1 / 0 / absent (the ABI has no such function) as a badge, or nothing. */
function flagBadge(value: unknown, whenOne: React.ReactElement, whenZero?: React.ReactElement) {
  if (value === 1 || value === true) {
    return whenOne;
  }
  if (value === 0 || value === false) {
    return whenZero ?? null;
  }
  return null;
}

/**
 * The health table of one data source (one row per deployment) as status cards: up, accepting,
 * paused, circuit breaker, head, latency and the last error. A frame of another shape is shown as is.
 */
export function DeploymentHealth({ frame, dataSourceUid }: { frame: DataFrame; dataSourceUid: string }) {
  const styles = useStyles2(getStyles);
  if (!frame.fields.some((field) => field.name === 'up')) {
    return <FrameTable frame={frame} />;
  }
  return (
    <div className={styles.grid}>
      {rowsOf(frame).map((row, index) => {
        const name = String(row[LABEL_CHAIN] ?? row.name ?? `deployment ${index + 1}`);
        const error = row.last_error;
        const rejection =
          row.accepting === 0 && row.accepting_reason
            ? `Dry run of buffer_transaction reverted: ${row.accepting_reason}`
            : undefined;
        return (
          <section key={name} className={styles.card} aria-label={`Health of ${name}`}>
            <Stack direction="row" justifyContent="space-between" alignItems="center">
              <Text element="h4">
                <TextLink href={dashboardUrl({ datasource: dataSourceUid, deployment: name })} inline={false}>
                  {name}
                </TextLink>
              </Text>
              <Stack direction="row" gap={0.5}>
                {flagBadge(
                  row.up,
                  <Badge color="green" icon="check" text="Up" />,
                  <Badge color="red" icon="exclamation-triangle" text="Down" />
                )}
                {flagBadge(
                  row.accepting,
                  <Badge color="green" text="Accepting" />,
                  <Badge color="red" text="Not accepting" />
                )}
                {flagBadge(row.paused, <Badge color="orange" icon="pause" text="Paused" />)}
                {flagBadge(row.circuit_breaker_active, <Badge color="red" text="Circuit breaker" />)}
              </Stack>
            </Stack>
            <dl className={styles.stats}>
              {STATS.map((field) => (
                <React.Fragment key={field}>
                  <dt>{HEALTH_FIELDS[field].label}</dt>
                  <dd>{formatHealth(field, row[field])}</dd>
                </React.Fragment>
              ))}
            </dl>
            {[error, rejection].map(
              (message) =>
                typeof message === 'string' &&
                message !== '' && (
                  <Text key={message} element="p" color="error" variant="bodySmall">
                    {message}
                  </Text>
                )
            )}
          </section>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(320px, 1fr))',
    gap: theme.spacing(2),
  }),
  card: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    background: theme.colors.background.secondary,
  }),
  stats: css({
    display: 'grid',
    gridTemplateColumns: 'auto 1fr',
    gap: theme.spacing(0.5, 2),
    margin: theme.spacing(1, 0, 0),
    dt: { color: theme.colors.text.secondary },
    dd: { margin: 0 },
  }),
});

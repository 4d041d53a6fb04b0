import { css } from '@emotion/css';
import {
  FieldType,
  dateTimeFormatWithAbbrevation,
  getTimeZone,
  formattedValueToString,
  getValueFormat,
  type DataFrame,
  type Field,
  type GrafanaTheme2,
} from '@grafana/data';
import { TextLink, useStyles2 } from '@grafana/ui';
import React from 'react';

/** The user's time zone as an IANA name: "browser" (Grafana's default) has no abbreviation to show. */
function namedTimeZone(): string {
  const zone = getTimeZone();
  return zone === 'browser' || zone === '' ? Intl.DateTimeFormat().resolvedOptions().timeZone : zone;
}

/**
 * A cell as text: times in the user's time zone (Grafana's resolver: the profile's, else the
 * browser's) with its abbreviation, numbers in the unit the backend set on the field.
 */
export function formatCell(field: Field, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '–';
  }
  if (field.type === FieldType.time) {
    return dateTimeFormatWithAbbrevation(Number(value), { timeZone: namedTimeZone() });
  }
  if (field.type === FieldType.number && typeof value === 'number') {
    return formattedValueToString(
      getValueFormat(field.config.unit ?? 'none')(value, field.config.decimals ?? undefined)
    );
  }
  return String(value);
}

/** A snake_case field name as a header: `chain_id` → `Chain ID`. */
export function humanHeader(name: string): string {
  const words = name
    .split('_')
    .filter((word) => word !== '')
    .map((word) => (word === 'id' ? 'ID' : word));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function fieldTitle(field: Field): string {
  return field.config.displayName ?? field.config.displayNameFromDS ?? humanHeader(field.name);
}

interface Props {
  frame: DataFrame;
  /** Optional link for a cell, e.g. a tx_id to the transaction explorer. */
  linkFor?: (field: Field, value: unknown) => string | undefined;
  /** Only these fields, in this order (those the frame has); all fields when absent. */
  columns?: string[];
  'aria-label'?: string;
}

/** A compact read-only table of one frame. */
export function FrameTable({ frame, linkFor, columns, ...rest }: Props) {
  const styles = useStyles2(getStyles);
  const fields = columns
    ? columns.flatMap((name) => frame.fields.filter((field) => field.name === name))
    : frame.fields;
  const rows = frame.length ?? frame.fields[0]?.values.length ?? 0;
  return (
    <div className={styles.scroll}>
      <table className={styles.table} aria-label={rest['aria-label'] ?? frame.name}>
        <thead>
          <tr>
            {fields.map((field) => (
              <th key={field.name}>{fieldTitle(field)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, row) => (
            <tr key={row}>
              {fields.map((field) => {
                const value = field.values[row];
                const link = linkFor?.(field, value);
                const text = formatCell(field, value);
                return (
                  <td key={field.name}>
                    {link ? (
                      <TextLink href={link} inline>
                        {text}
                      </TextLink>
                    ) : (
                      text
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', maxWidth: '100%' }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      textAlign: 'left',
      padding: theme.spacing(0.5, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      whiteSpace: 'nowrap',
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
});

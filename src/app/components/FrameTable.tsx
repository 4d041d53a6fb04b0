import { css } from '@emotion/css';
import {
  FieldType,
  dateTimeFormat,
  formattedValueToString,
  getValueFormat,
  type DataFrame,
  type Field,
  type GrafanaTheme2,
} from '@grafana/data';
import { TextLink, useStyles2 } from '@grafana/ui';
import React from 'react';

/** A cell as text: times in the user's zone, numbers in the unit the backend set on the field. */
export function formatCell(field: Field, value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '–';
  }
  if (field.type === FieldType.time) {
    return dateTimeFormat(Number(value));
  }
  if (field.type === FieldType.number && typeof value === 'number') {
    return formattedValueToString(
      getValueFormat(field.config.unit ?? 'none')(value, field.config.decimals ?? undefined)
    );
  }
  return String(value);
}

export function fieldTitle(field: Field): string {
  return field.config.displayName ?? field.config.displayNameFromDS ?? field.name;
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

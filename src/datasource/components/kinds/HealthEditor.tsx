import { InlineField, RadioButtonGroup, Select } from '@grafana/ui';
import React from 'react';
import {
  HEALTH_FIELDS,
  HEALTH_FIELD_NAMES,
  QUERY_FIELD_LABELS,
  type HealthField,
  type HealthQuery,
} from '../../../query';
import { INPUT_WIDTH, LABEL_WIDTH } from '../fields';
import { changer, type KindEditorProps } from './types';
import { unitLabel } from './units';

const FORMATS = [
  { label: 'Table', value: 'table' as const, description: 'One row per deployment with every health value' },
  { label: 'Single value', value: 'value' as const, description: 'One numeric frame per deployment, for alert rules' },
];

const FIELD_OPTIONS = HEALTH_FIELD_NAMES.map((name) => ({
  label: `${HEALTH_FIELDS[name].label} [${unitLabel(HEALTH_FIELDS[name].unit)}]`,
  value: name,
  description: HEALTH_FIELDS[name].description,
}));

export function HealthEditor(props: KindEditorProps<HealthQuery>) {
  const { query } = props;
  const change = changer(props);
  return (
    <>
      <InlineField
        label={QUERY_FIELD_LABELS.format}
        labelWidth={LABEL_WIDTH}
        tooltip="A table for overviews, or one value per deployment (with chain and contract labels) for alert rules and stat panels."
      >
        <RadioButtonGroup options={FORMATS} value={query.format} onChange={(format) => change({ format })} />
      </InlineField>
      {query.format === 'value' && (
        <InlineField
          label={QUERY_FIELD_LABELS.field}
          labelWidth={LABEL_WIDTH}
          tooltip="The value returned for each deployment; the unit is set on the field."
        >
          <Select
            inputId="tesseract-health-field"
            aria-label={QUERY_FIELD_LABELS.field}
            options={FIELD_OPTIONS}
            value={query.field}
            width={INPUT_WIDTH}
            onChange={(option) => change({ field: option.value as HealthField })}
          />
        </InlineField>
      )}
    </>
  );
}

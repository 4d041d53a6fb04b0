import type { SelectableValue } from '@grafana/data';
import { InlineField, MultiSelect, RadioButtonGroup } from '@grafana/ui';
import React from 'react';
import {
  LIVE_METRICS,
  METRICS,
  METRIC_NAMES,
  QUERY_FIELD_LABELS,
  type MetricName,
  type MetricsQuery,
} from '../../../query';
import { INPUT_WIDTH, LABEL_WIDTH, LiveField, NumberInput, selectedValues } from '../fields';
import { changer, type KindEditorProps } from './types';
import { unitLabel } from './units';

const METRIC_OPTIONS: Array<SelectableValue<MetricName>> = METRIC_NAMES.map((name) => ({
  label: `${METRICS[name].label} [${unitLabel(METRICS[name].unit)}]`,
  value: name,
  description: METRICS[name].description,
}));

const MODES = [
  { label: 'Time series', value: 'timeseries' as const, description: 'One series per deployment and metric, bucketed' },
  {
    label: 'One value',
    value: 'window' as const,
    description: 'One value per deployment over the whole range (alerts, stats)',
  },
];

export function MetricsEditor(props: KindEditorProps<MetricsQuery>) {
  const { query, onRunQuery } = props;
  const change = changer(props);
  const notLive = query.metrics.filter((metric) => !LIVE_METRICS.includes(metric));
  return (
    <>
      <InlineField
        label={QUERY_FIELD_LABELS.metrics}
        labelWidth={LABEL_WIDTH}
        tooltip="Each metric becomes a field with its unit set (count, tx/min, %, seconds), so panels format it without overrides."
      >
        <MultiSelect
          inputId="tesseract-metrics"
          aria-label={QUERY_FIELD_LABELS.metrics}
          options={METRIC_OPTIONS}
          value={query.metrics}
          width={INPUT_WIDTH}
          placeholder="Pick at least one metric"
          onChange={(selected: Array<SelectableValue<MetricName>>) => change({ metrics: selectedValues(selected) })}
        />
      </InlineField>
      <InlineField
        label={QUERY_FIELD_LABELS.mode}
        labelWidth={LABEL_WIDTH}
        tooltip="Time series for graphs; one value per deployment for alert rules and stat panels (ratios over the whole window)."
      >
        <RadioButtonGroup options={MODES} value={query.mode} onChange={(mode) => change({ mode })} />
      </InlineField>
      <LiveField
        value={query.live}
        tooltip="Streams the on-chain totals through Grafana Live as a running series, one row per update, with no refresh."
        unavailable={notLive.length > 0 ? `Live mode streams the counters ${LIVE_METRICS.join(', ')} only.` : undefined}
        onChange={(live) => change({ live })}
      />
      {query.mode === 'timeseries' && (
        <InlineField
          label={QUERY_FIELD_LABELS.bucketSeconds}
          labelWidth={LABEL_WIDTH}
          tooltip="Bucket width in seconds; 0 follows the panel's interval."
        >
          <NumberInput
            id="tesseract-bucket"
            value={query.bucketSeconds}
            onChange={(bucketSeconds) => change({ bucketSeconds }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
    </>
  );
}

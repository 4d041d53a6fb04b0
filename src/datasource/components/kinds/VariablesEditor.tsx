import { InlineField, Select } from '@grafana/ui';
import React from 'react';
import { QUERY_FIELD_LABELS, VARIABLE_KINDS, type VariableKind, type VariablesQuery } from '../../../query';
import { INPUT_WIDTH, LABEL_WIDTH, NumberInput } from '../fields';
import { changer, type KindEditorProps } from './types';

export function VariablesEditor(props: KindEditorProps<VariablesQuery>) {
  const { query, onRunQuery } = props;
  const change = changer(props);
  return (
    <>
      <InlineField label={QUERY_FIELD_LABELS.variable} labelWidth={LABEL_WIDTH} tooltip="What the variable lists.">
        <Select
          inputId="tesseract-variable-kind"
          aria-label={QUERY_FIELD_LABELS.variable}
          options={VARIABLE_KINDS.map((kind) => ({ label: kind.label, value: kind.value }))}
          value={query.variable}
          width={INPUT_WIDTH}
          onChange={(option) => change({ variable: option.value as VariableKind })}
        />
      </InlineField>
      {query.variable === 'txIds' && (
        <InlineField
          label={QUERY_FIELD_LABELS.limit}
          labelWidth={LABEL_WIDTH}
          tooltip="At most this many recent tx_ids, newest first."
        >
          <NumberInput
            id="tesseract-variable-limit"
            value={query.limit}
            onChange={(limit) => change({ limit }, false)}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}
    </>
  );
}

import type { SelectableValue } from '@grafana/data';
import { InlineField, Input, MultiSelect, RadioButtonGroup } from '@grafana/ui';
import React, { useMemo } from 'react';
import { EVENTS_LIMIT_MAX, QUERY_FIELD_LABELS, type EventsQuery } from '../../../query';
import { eventNamesOf } from '../../deployment-abi';
import {
  INPUT_WIDTH,
  LABEL_WIDTH,
  LiveField,
  NumberInput,
  selectedValues,
  TxIdsField,
  variableOptions,
} from '../fields';
import { changer, type KindEditorProps } from './types';

const FORMATS = [
  { label: 'Table', value: 'table' as const, description: 'One row per event, newest first' },
  {
    label: 'One value per event',
    value: 'value' as const,
    description:
      'A value of 1 per event labelled chain, event, tx_id and reason, and a 0 per deployment: for alert rules (one instance per event)',
  },
];

export function EventsEditor(props: KindEditorProps<EventsQuery>) {
  const { query, deployments, onRunQuery, tableOnly } = props;
  const change = changer(props);
  const eventOptions = useMemo(
    () => [...eventNamesOf(deployments).map((name) => ({ label: name, value: name })), ...variableOptions()],
    [deployments]
  );
  return (
    <>
      {!tableOnly && (
        <InlineField
          label={QUERY_FIELD_LABELS.format}
          labelWidth={LABEL_WIDTH}
          tooltip="A table for panels, or one numeric frame per event for alert rules such as a rule on every new TransactionFailed."
        >
          <RadioButtonGroup
            options={FORMATS}
            value={query.format ?? 'table'}
            onChange={(format) => change({ format })}
          />
        </InlineField>
      )}
      {!tableOnly && (
        <LiveField
          value={query.live}
          tooltip="Streams each new matching event through Grafana Live as the backend first sees it (about once a second), with no refresh; a reorg that drops one adds a retracted row."
          unavailable={query.format === 'value' ? 'Live mode streams the table format only.' : undefined}
          onChange={(live) => change({ live })}
        />
      )}
      <InlineField
        label={QUERY_FIELD_LABELS.eventNames}
        labelWidth={LABEL_WIDTH}
        tooltip="Event names of the deployments' ABIs. None selected means every event."
      >
        <MultiSelect
          inputId="tesseract-event-names"
          aria-label={QUERY_FIELD_LABELS.eventNames}
          options={eventOptions}
          value={query.eventNames}
          allowCustomValue
          placeholder="All events"
          width={INPUT_WIDTH}
          onChange={(selected: Array<SelectableValue<string>>) => change({ eventNames: selectedValues(selected) })}
        />
      </InlineField>
      <TxIdsField
        value={query.txIds}
        tooltip="Only events of these tx_ids (bytes32). Accepts dashboard variables; multi-value variables expand to each value."
        onChange={(txIds) => change({ txIds })}
      />
      <TextFilter
        id="tesseract-origin-rollup"
        label={QUERY_FIELD_LABELS.originRollup}
        tooltip="Only transactions from this rollup address (checksummed, or a $variable)."
        placeholder="0x… (any)"
        value={query.originRollup}
        onChange={(originRollup) => change({ originRollup }, false)}
        onBlur={onRunQuery}
      />
      <TextFilter
        id="tesseract-target-rollup"
        label={QUERY_FIELD_LABELS.targetRollup}
        tooltip="Only transactions to this rollup address (checksummed, or a $variable)."
        placeholder="0x… (any)"
        value={query.targetRollup}
        onChange={(targetRollup) => change({ targetRollup }, false)}
        onBlur={onRunQuery}
      />
      <TextFilter
        id="tesseract-reason"
        label={QUERY_FIELD_LABELS.reasonContains}
        tooltip="Case-insensitive text the failure reason must contain."
        placeholder="e.g. dependency"
        value={query.reasonContains}
        onChange={(reasonContains) => change({ reasonContains }, false)}
        onBlur={onRunQuery}
      />
      <InlineField
        label={QUERY_FIELD_LABELS.limit}
        labelWidth={LABEL_WIDTH}
        tooltip={`Newest rows first, at most this many (1 to ${EVENTS_LIMIT_MAX}).`}
      >
        <NumberInput
          id="tesseract-limit"
          value={query.limit}
          onChange={(limit) => change({ limit }, false)}
          onBlur={onRunQuery}
        />
      </InlineField>
    </>
  );
}

interface TextFilterProps {
  id: string;
  label: string;
  tooltip: string;
  placeholder: string;
  value: string | undefined;
  /** An emptied field removes the filter. */
  onChange: (value: string | undefined) => void;
  onBlur: () => void;
}

function TextFilter({ id, label, tooltip, placeholder, value, onChange, onBlur }: TextFilterProps) {
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <Input
        id={id}
        aria-label={label}
        value={value ?? ''}
        width={INPUT_WIDTH}
        placeholder={placeholder}
        onChange={(event) => onChange(event.currentTarget.value || undefined)}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

import type { SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, InlineField, InlineSwitch, Input, MultiSelect } from '@grafana/ui';
import React, { useMemo } from 'react';
import { QUERY_FIELD_LABELS, parseQuery, type DeploymentSettings, type TesseractQuery } from '../../query';

export const LABEL_WIDTH = 20;
export const INPUT_WIDTH = 48;

/** Text of a number input as a number; NaN when empty, so the validation names the field. */
function wholeNumber(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

interface NumberInputProps {
  id: string;
  value: number;
  onChange: (value: number) => void;
  onBlur?: () => void;
  width?: number;
}

/** A number input that keeps a cleared field visible to the validation (as NaN) instead of turning it into 0. */
export function NumberInput({ id, value, onChange, onBlur, width = 16 }: NumberInputProps) {
  return (
    <Input
      id={id}
      type="number"
      width={width}
      value={Number.isFinite(value) ? value : ''}
      onChange={(event) => onChange(wholeNumber(event.currentTarget.value))}
      onBlur={onBlur}
    />
  );
}

/** The values of a multi-select's selection, in order. */
export function selectedValues<T>(selected: Array<SelectableValue<T>>): T[] {
  return selected.map((item) => item.value).filter((item): item is T => item !== undefined && item !== null);
}

/** Dashboard variables as `$name` options, so pickers offer them next to the configured values. */
export function variableOptions(): Array<SelectableValue<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((variable) => ({ label: `$${variable.name}`, value: `$${variable.name}`, description: 'Dashboard variable' }));
}

interface DeploymentsFieldProps {
  deployments: DeploymentSettings[];
  value: string[];
  onChange: (value: string[]) => void;
}

export function DeploymentsField({ deployments, value, onChange }: DeploymentsFieldProps) {
  const options = useMemo(
    () => [
      ...deployments.map((deployment) => ({
        label: deployment.name,
        value: deployment.name,
        description: `chain ${deployment.chainId} · ${deployment.contract}`,
      })),
      ...variableOptions(),
    ],
    [deployments]
  );
  return (
    <InlineField
      label={QUERY_FIELD_LABELS.deployments}
      labelWidth={LABEL_WIDTH}
      tooltip="Deployments to query. None selected means every deployment of this data source. Accepts dashboard variables such as $chain; multi-value variables expand to each value."
    >
      <MultiSelect
        inputId="tesseract-deployments"
        aria-label={QUERY_FIELD_LABELS.deployments}
        options={options}
        value={value}
        allowCustomValue
        placeholder="All deployments"
        width={INPUT_WIDTH}
        onChange={(selected: Array<SelectableValue<string>>) => onChange(selectedValues(selected))}
      />
    </InlineField>
  );
}

interface TxIdsFieldProps {
  value: string[];
  onChange: (value: string[]) => void;
  tooltip: string;
}

/** tx_ids as a list: typed or pasted then Enter, or dashboard variables picked from the list. */
export function TxIdsField({ value, onChange, tooltip }: TxIdsFieldProps) {
  const options = useMemo(() => variableOptions(), []);
  return (
    <InlineField label={QUERY_FIELD_LABELS.txIds} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
      <MultiSelect
        inputId="tesseract-tx-ids"
        aria-label={QUERY_FIELD_LABELS.txIds}
        options={options}
        value={value}
        allowCustomValue
        placeholder="0x… (64 hex digits) or $variable, then Enter"
        width={INPUT_WIDTH + 24}
        onChange={(selected: Array<SelectableValue<string>>) => onChange(selectedValues(selected))}
      />
    </InlineField>
  );
}

interface LiveFieldProps {
  value: boolean | undefined;
  /** What live mode streams for this kind of query. */
  tooltip: string;
  /** Why live mode is not offered for the query as it stands (the shared validation's rule), if it is not. */
  unavailable?: string;
  onChange: (live: boolean) => void;
}

/** Live mode: the panel keeps its answer and Grafana Live appends what the backend pushes. */
export function LiveField({ value, tooltip, unavailable, onChange }: LiveFieldProps) {
  return (
    <InlineField
      label={QUERY_FIELD_LABELS.live}
      labelWidth={LABEL_WIDTH}
      disabled={unavailable !== undefined && value !== true}
      tooltip={unavailable ?? tooltip}
    >
      <InlineSwitch
        id="tesseract-live"
        aria-label={QUERY_FIELD_LABELS.live}
        value={value === true}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
    </InlineField>
  );
}

/** What the shared validation says about the query, next to the fields that caused it. */
export function QueryErrors({ query }: { query: TesseractQuery }) {
  const result = parseQuery(query, { allowTemplateVariables: true });
  if (result.ok) {
    return null;
  }
  return (
    <Alert severity="error" title="This query will not run until fixed">
      <ul>
        {result.errors.map((error) => (
          <li key={error}>{error}</li>
        ))}
      </ul>
    </Alert>
  );
}

import { Alert, InlineField, Input, Select } from '@grafana/ui';
import React, { useMemo } from 'react';
import {
  QUERY_FIELD_LABELS,
  argumentLabel,
  checkCall,
  viewFunctions,
  type AbiParam,
  type CallQuery,
} from '../../../query';
import { abiOfSelection } from '../../deployment-abi';
import { INPUT_WIDTH, LABEL_WIDTH } from '../fields';
import type { KindEditorProps } from './types';

function signature(inputs: AbiParam[] = []): string {
  return inputs.map((input) => `${input.type} ${input.name}`.trim()).join(', ');
}

function placeholderFor(type: string): string {
  const bytes = /^bytes(\d+)$/.exec(type);
  if (bytes) {
    return `0x… (${Number(bytes[1]) * 2} hex digits) or $variable`;
  }
  if (type === 'address') {
    return '0x… (40 hex digits) or $variable';
  }
  if (type === 'bool') {
    return 'true or false';
  }
  if (/int\d*$/.test(type)) {
    return 'integer';
  }
  return type.endsWith(']') ? 'JSON array' : type;
}

export function CallEditor({ query, deployments, onChange, onRunQuery }: KindEditorProps<CallQuery>) {
  const {
    deployment,
    abi,
    error: abiError,
  } = useMemo(() => abiOfSelection(deployments, query.deployments), [deployments, query.deployments]);
  const functions = useMemo(() => viewFunctions(abi), [abi]);
  const selected = functions.find((fn) => fn.name === query.functionName);
  const check = checkCall(query, abi, { allowTemplateVariables: true });
  const functionError = check.ok ? undefined : check.function;
  const argumentError = (index: number) => (check.ok ? undefined : check.args[index]);

  // A query goes to the backend only when every argument fits its ABI type.
  const runIfValid = (next: CallQuery) => {
    if (checkCall(next, abi, { allowTemplateVariables: true }).ok) {
      onRunQuery();
    }
  };
  const change = (patch: Partial<CallQuery>, run = true) => {
    const next = { ...query, ...patch };
    onChange(next);
    if (run) {
      runIfValid(next);
    }
  };

  return (
    <>
      {abiError && <Alert severity="warning" title={abiError} />}
      <InlineField
        label={QUERY_FIELD_LABELS.functionName}
        labelWidth={LABEL_WIDTH}
        tooltip={`View functions of the ABI of ${deployment?.name || 'the first deployment'}; they cannot change state.`}
        invalid={functionError !== undefined && functions.length > 0}
        error={functionError}
      >
        <Select
          inputId="tesseract-function"
          aria-label={QUERY_FIELD_LABELS.functionName}
          options={functions.map((fn) => ({
            label: fn.name,
            value: fn.name,
            description: `(${signature(fn.inputs)}) → ${signature(fn.outputs) || 'nothing'}`,
          }))}
          value={query.functionName}
          width={INPUT_WIDTH}
          onChange={(option) => {
            const fn = functions.find((candidate) => candidate.name === option.value);
            change({ functionName: option.value ?? '', args: (fn?.inputs ?? []).map(() => '') });
          }}
        />
      </InlineField>
      {(selected?.inputs ?? []).map((param, index) => (
        <InlineField
          key={`${query.functionName}-${index}`}
          label={argumentLabel(param, index)}
          labelWidth={LABEL_WIDTH + 8}
          tooltip={`Argument ${index + 1} of ${query.functionName}, typed ${param.type}. Accepts a dashboard variable.`}
          invalid={argumentError(index) !== undefined}
          error={argumentError(index)}
        >
          <Input
            id={`tesseract-arg-${index}`}
            aria-label={`Argument ${param.name || index + 1}`}
            value={query.args[index] ?? ''}
            width={INPUT_WIDTH}
            placeholder={placeholderFor(param.type)}
            onChange={(event) => {
              const args = [...query.args];
              args[index] = event.currentTarget.value;
              change({ args }, false);
            }}
            onBlur={() => runIfValid(query)}
          />
        </InlineField>
      ))}
      <InlineField
        label={QUERY_FIELD_LABELS.block}
        labelWidth={LABEL_WIDTH}
        tooltip={'"latest" or a block number, to read the value at that block.'}
      >
        <Input
          id="tesseract-block"
          value={query.block}
          width={16}
          onChange={(event) => change({ block: event.currentTarget.value }, false)}
          onBlur={() => runIfValid(query)}
        />
      </InlineField>
    </>
  );
}

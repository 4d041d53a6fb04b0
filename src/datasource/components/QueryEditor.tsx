import type { QueryEditorProps } from '@grafana/data';
import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';
import React, { useEffect, useMemo } from 'react';
import {
  QUERY_SCHEMA_VERSION,
  QUERY_TYPES,
  defaultQuery,
  normalizeQuery,
  type QueryType,
  type TesseractQuery,
} from '../../query';
import type { DataSource } from '../datasource';
import { LABEL_WIDTH, QueryErrors } from './fields';
import { KindEditor } from './KindEditor';
import type { TesseractOptions } from '../types';

type Props = QueryEditorProps<DataSource, TesseractQuery, TesseractOptions>;

const KIND_OPTIONS = QUERY_TYPES.map((type) => ({
  label: type.label,
  value: type.value,
  description: type.description,
}));

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const current = useMemo(() => normalizeQuery(query), [query]);

  // Saved queries of an older schema are rewritten once, so the dashboard saves the current shape.
  useEffect(() => {
    if (query.schemaVersion !== QUERY_SCHEMA_VERSION) {
      onChange(current);
    }
  }, [query.schemaVersion, current, onChange]);

  const switchKind = (queryType: QueryType) => {
    onChange({
      ...defaultQuery(queryType, query.refId),
      deployments: current.deployments,
      datasource: query.datasource,
    });
  };

  return (
    <Stack direction="column" gap={0.5}>
      <InlineField label="Query kind" labelWidth={LABEL_WIDTH} tooltip="What to read from the Tesseract deployments.">
        <RadioButtonGroup options={KIND_OPTIONS} value={current.queryType} onChange={switchKind} />
      </InlineField>
      <KindEditor query={current} deployments={datasource.deployments} onChange={onChange} onRunQuery={onRunQuery} />
      <QueryErrors query={current} />
    </Stack>
  );
}

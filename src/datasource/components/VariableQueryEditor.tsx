import type { MetricFindValue, QueryEditorProps } from '@grafana/data';
import { css } from '@emotion/css';
import { Alert, Button, InlineField, Stack, TagList, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';
import type { DataSource } from '../datasource';
import { errorMessage, toVariablesQuery, type TesseractQuery, type VariablesQuery } from '../../query';
import { LABEL_WIDTH, QueryErrors } from './fields';
import { KindEditor } from './KindEditor';
import type { TesseractOptions } from '../types';

type Props = QueryEditorProps<DataSource, TesseractQuery, TesseractOptions, VariablesQuery>;

const PREVIEW_SIZE = 20;

type Preview = { state: 'idle' } | { state: 'values'; values: MetricFindValue[] } | { state: 'error'; message: string };

/** Editor of a query variable: what to list, and a preview of the values the backend returns. */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  const current = toVariablesQuery(query);
  const [preview, setPreview] = useState<Preview>({ state: 'idle' });
  const styles = useStyles2(getStyles);

  const loadPreview = async () => {
    try {
      setPreview({ state: 'values', values: await datasource.fetchVariableValues(current) });
    } catch (error) {
      setPreview({ state: 'error', message: errorMessage(error) });
    }
  };

  return (
    <Stack direction="column" gap={0.5}>
      <KindEditor
        query={current}
        deployments={datasource.deployments}
        onChange={(next) => onChange(toVariablesQuery(next))}
        onRunQuery={() => setPreview({ state: 'idle' })}
      />
      <QueryErrors query={current} />
      <InlineField label="Preview" labelWidth={LABEL_WIDTH} tooltip="Asks the data source for the values now.">
        <Button variant="secondary" icon="sync" onClick={loadPreview}>
          Show values
        </Button>
      </InlineField>
      {preview.state === 'values' &&
        (preview.values.length === 0 ? (
          <Alert severity="info" title="No values: nothing of this kind was found in the deployments' logs yet" />
        ) : (
          <InlineField label="Values found" labelWidth={LABEL_WIDTH}>
            <div aria-label="Variable values preview">
              <TagList
                className={styles.tags}
                tags={preview.values.slice(0, PREVIEW_SIZE).map((value) => String(value.text))}
              />
            </div>
          </InlineField>
        ))}
      {preview.state === 'error' && <Alert severity="error" title={`Could not load values: ${preview.message}`} />}
    </Stack>
  );
}

const getStyles = () => ({
  tags: css({ justifyContent: 'flex-start' }),
});

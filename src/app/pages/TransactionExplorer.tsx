import type { DataSourceInstanceSettings } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, Field, Input, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import React, { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { defaultQuery, isTxId } from '../../query';
import { runQueries, tesseractDataSources } from '../api';
import { DataSourceSection } from '../components/DataSourceSection';
import { FrameTable } from '../components/FrameTable';
import { NoDataSource } from '../components/NoDataSource';
import { dashboardUrl } from '../constants';
import { useAsync } from '../useAsync';

const LOOKBACKS = [
  { label: '24 h', value: 'now-24h' },
  { label: '7 days', value: 'now-7d' },
  { label: '30 days', value: 'now-30d' },
  { label: '90 days', value: 'now-90d' },
];

/** The lifecycle columns shown; the tx_id column only when several tx_ids are looked up. */
export function lifecycleColumns(txIds: string[]): string[] {
  const columns = ['time', 'chain', 'event', 'block', 'state', 'outcome', 'resolution_seconds', 'failure_reason'];
  return txIds.length > 1 ? ['tx_id', ...columns] : columns;
}

/** tx_ids typed or pasted, separated by spaces, commas or new lines. */
export function splitTxIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((item) => item !== ''))];
}

function Lifecycle({
  dataSource,
  txIds,
  from,
}: {
  dataSource: DataSourceInstanceSettings;
  txIds: string[];
  from: string;
}) {
  const state = useAsync(
    () => runQueries(dataSource, [{ ...defaultQuery('transaction', 'lifecycle'), txIds }], from),
    `${dataSource.uid}|${txIds.join(',')}|${from}`
  );
  return (
    <DataSourceSection
      dataSource={dataSource}
      label={`Lifecycle on ${dataSource.name}`}
      state={state}
      loadingText="Looking the transaction up on every deployment…"
      dashboard={dashboardUrl({ datasource: dataSource.uid, tx_id: txIds.length === 1 ? txIds[0] : undefined })}
    >
      {({ frames, errors }) => (
        <>
          {frames.every((frame) => frame.length === 0) && errors.length === 0 && (
            <Text color="secondary">
              No event of these tx_ids on any deployment of {dataSource.name} in this range.
            </Text>
          )}
          {frames
            .filter((frame) => frame.length > 0)
            .map((frame, index) => (
              <FrameTable
                key={index}
                frame={frame}
                aria-label={`Lifecycle on ${dataSource.name}`}
                columns={lifecycleColumns(txIds)}
              />
            ))}
        </>
      )}
    </DataSourceSection>
  );
}

export function TransactionExplorer() {
  const [params, setParams] = useSearchParams();
  const [text, setText] = useState(params.get('txId') ?? '');
  const [from, setFrom] = useState(params.get('from') ?? 'now-7d');
  const submitted = splitTxIds(params.get('txId') ?? '');
  const typed = splitTxIds(text);
  const invalid = typed.filter((txId) => !isTxId(txId));
  const dataSources = tesseractDataSources();

  const lookUp = () => setParams({ txId: typed.join(','), from });

  if (dataSources.length === 0) {
    return (
      <PluginPage>
        <NoDataSource />
      </PluginPage>
    );
  }
  return (
    <PluginPage>
      <Stack direction="column" gap={2}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            lookUp();
          }}
        >
          <Stack direction="row" alignItems="flex-start" gap={1} wrap="wrap">
            <Field
              label="tx_id"
              description="One or more tx_ids (bytes32), separated by spaces or commas. Both legs of a cross-rollup transaction share it."
              invalid={invalid.length > 0}
              error={
                invalid.length > 0 ? `Not a tx_id (0x followed by 64 hex digits): ${invalid.join(', ')}` : undefined
              }
            >
              <Input
                id="tx-explorer-tx-id"
                width={80}
                value={text}
                placeholder="0x…"
                onChange={(event) => setText(event.currentTarget.value)}
              />
            </Field>
            <Field label="Look back" description="Time range searched for the events.">
              <RadioButtonGroup options={LOOKBACKS} value={from} onChange={setFrom} />
            </Field>
          </Stack>
          <Button type="submit" icon="search" disabled={typed.length === 0 || invalid.length > 0}>
            Look up
          </Button>
        </form>
        {submitted.length > 0 &&
          submitted.every(isTxId) &&
          dataSources.map((dataSource) => (
            <Lifecycle
              key={dataSource.uid}
              dataSource={dataSource}
              txIds={submitted}
              from={params.get('from') ?? from}
            />
          ))}
      </Stack>
    </PluginPage>
  );
}

import { locationUtil, type DataFrame, type DataSourceInstanceSettings, type Field } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, LinkButton, Stack, Text } from '@grafana/ui';
import React, { useState } from 'react';
import { defaultQuery, type TesseractQuery } from '../../query';
import { runQueries, tesseractDataSources } from '../api';
import { DataSourceSection } from '../components/DataSourceSection';
import { DeploymentHealth } from '../components/DeploymentHealth';
import { FrameTable } from '../components/FrameTable';
import { LiveFailures } from '../components/LiveFailures';
import { NoDataSource } from '../components/NoDataSource';
import { appPageUrl, dashboardUrl, ROUTES } from '../constants';
import { useAsync } from '../useAsync';

const RECENT_FAILURES = 10;
const FAILURES_RANGE = 'now-24h';

const OVERVIEW_QUERIES: TesseractQuery[] = [
  defaultQuery('health', 'health'),
  { ...defaultQuery('events', 'failures'), eventNames: ['TransactionFailed'], limit: RECENT_FAILURES },
];

/** tx_ids link to the transaction explorer. */
export function txIdLink(field: Field, value: unknown): string | undefined {
  return field.name === 'tx_id' && typeof value === 'string' && value !== ''
    ? `${appPageUrl(ROUTES.transactions)}?txId=${encodeURIComponent(value)}`
    : undefined;
}

/** Columns of the events frame worth a glance; the dashboard and the explorer show the rest. */
const FAILURE_COLUMNS = ['time', 'chain', 'tx_id', 'reason'];

function DataSourceOverview({ dataSource, refresh }: { dataSource: DataSourceInstanceSettings; refresh: number }) {
  const state = useAsync(
    () => runQueries(dataSource, OVERVIEW_QUERIES, FAILURES_RANGE),
    `${dataSource.uid}|${refresh}`
  );
  return (
    <DataSourceSection
      dataSource={dataSource}
      label={`Data source ${dataSource.name}`}
      state={state}
      loadingText="Checking every deployment…"
      dashboard={dashboardUrl({ datasource: dataSource.uid })}
    >
      {({ frames }) => (
        <>
          {frames
            .filter((frame) => frame.refId === 'health')
            .map((frame, index) => (
              <DeploymentHealth key={index} frame={frame} dataSourceUid={dataSource.uid} />
            ))}
          <Text element="h5">Recent failures (24 h)</Text>
          {failuresOf(frames).length === 0 && (
            <Text color="secondary">No TransactionFailed events in the last 24 hours.</Text>
          )}
          {failuresOf(frames).map((frame, index) => (
            <FrameTable
              key={index}
              frame={frame}
              aria-label={`Recent failures on ${dataSource.name}`}
              linkFor={txIdLink}
              columns={FAILURE_COLUMNS}
            />
          ))}
          <LiveFailures dataSource={dataSource} linkFor={txIdLink} />
        </>
      )}
    </DataSourceSection>
  );
}

function failuresOf(frames: DataFrame[]): DataFrame[] {
  return frames.filter((frame) => frame.refId === 'failures' && frame.length > 0);
}

export function Overview() {
  const dataSources = tesseractDataSources();
  const [refresh, setRefresh] = useState(0);
  return (
    <PluginPage>
      {dataSources.length === 0 ? (
        <NoDataSource />
      ) : (
        <Stack direction="column" gap={4}>
          <Stack direction="row" justifyContent="space-between" alignItems="center" wrap="wrap">
            <Text color="secondary">
              Health of every deployment of every Tesseract data source, and the failures of the last 24 hours.
            </Text>
            <Stack direction="row" gap={1}>
              <Button icon="sync" variant="secondary" onClick={() => setRefresh((count) => count + 1)}>
                Refresh
              </Button>
              <LinkButton
                icon="search"
                variant="secondary"
                href={locationUtil.assureBaseUrl(appPageUrl(ROUTES.transactions))}
              >
                Transaction explorer
              </LinkButton>
              <LinkButton icon="apps" href={locationUtil.assureBaseUrl(dashboardUrl())}>
                Open the Tesseract dashboard
              </LinkButton>
            </Stack>
          </Stack>
          {dataSources.map((dataSource) => (
            <DataSourceOverview key={dataSource.uid} dataSource={dataSource} refresh={refresh} />
          ))}
        </Stack>
      )}
    </PluginPage>
  );
}

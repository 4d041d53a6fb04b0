import {
  CoreApp,
  dateTime,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type Field,
} from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { Text } from '@grafana/ui';
import React, { useEffect, useState } from 'react';
import { from, type Unsubscribable } from 'rxjs';
import { defaultQuery, type TesseractQuery } from '../../query';
import { FrameTable } from './FrameTable';

const LIVE_FAILURES_LIMIT = 20;
const LIVE_FAILURES_WINDOW_MS = 3600_000;
const COLUMNS = ['time', 'chain', 'tx_id', 'reason', 'status'];

/** The live failures query: TransactionFailed events of every deployment, pushed as they are first seen. */
export function liveFailuresQuery(): TesseractQuery {
  return {
    ...defaultQuery('events', 'live-failures'),
    eventNames: ['TransactionFailed'],
    limit: LIVE_FAILURES_LIMIT,
    live: true,
  } as TesseractQuery;
}

/** The request a panel would make, over the last hour (so the stream keeps an hour of rows). */
export function liveFailuresRequest(now = Date.now()): DataQueryRequest<TesseractQuery> {
  const from = dateTime(now - LIVE_FAILURES_WINDOW_MS);
  const to = dateTime(now);
  return {
    app: CoreApp.Unknown,
    requestId: `tesseract-live-failures-${now}`,
    interval: '1s',
    intervalMs: 1000,
    maxDataPoints: LIVE_FAILURES_LIMIT * 5,
    range: { from, to, raw: { from: 'now-1h', to: 'now' } },
    rangeRaw: { from: 'now-1h', to: 'now' },
    scopedVars: {},
    targets: [liveFailuresQuery()],
    timezone: 'browser',
    startTime: now,
  };
}

/**
 * TransactionFailed events as they happen (Grafana Live): the data source answers with the last hour and a
 * channel, and Grafana's DataSourceWithBackend keeps the frame up to date from that channel.
 */
export function LiveFailures({
  dataSource,
  linkFor,
}: {
  dataSource: DataSourceInstanceSettings;
  linkFor?: (field: Field, value: unknown) => string | undefined;
}) {
  const [frame, setFrame] = useState<DataFrame | undefined>();
  const [error, setError] = useState<string | undefined>();
  // The streaming frame changes in place: count the pushes so that each one renders.
  const [, setPushes] = useState(0);
  useEffect(() => {
    let subscription: Unsubscribable | undefined;
    let stopped = false;
    // A data source that cannot be loaded is reported here, never thrown into the page.
    Promise.resolve()
      .then(() => getDataSourceSrv().get({ uid: dataSource.uid, type: dataSource.type }))
      .then((ds) => {
        if (stopped) {
          return;
        }
        subscription = from(ds.query(liveFailuresRequest() as never)).subscribe({
          next: (response: DataQueryResponse) => {
            setError(response.errors?.[0]?.message);
            const live = (response.data as DataFrame[]).find((candidate) => candidate.meta?.channel);
            if (live) {
              setFrame(live);
              setPushes((count) => count + 1);
            }
          },
          error: (reason: unknown) => setError(String(reason)),
        });
      })
      .catch((reason: unknown) => setError(String(reason)));
    return () => {
      stopped = true;
      subscription?.unsubscribe();
    };
  }, [dataSource.uid, dataSource.type]);
  const rows = frame?.length ?? frame?.fields[0]?.values.length ?? 0;
  return (
    <>
      <Text element="h5">Live failures (last hour, updated as blocks arrive)</Text>
      {error && <Text color="error">{`Live failures unavailable: ${error}`}</Text>}
      {!error && rows === 0 && <Text color="secondary">No TransactionFailed event in the last hour.</Text>}
      {frame && rows > 0 && (
        <FrameTable
          frame={frame}
          aria-label={`Live failures on ${dataSource.name}`}
          linkFor={linkFor}
          columns={COLUMNS}
        />
      )}
    </>
  );
}

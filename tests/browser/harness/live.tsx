/**
 * The live panel path outside Grafana: our DataSource (a real DataSourceWithBackend of this Grafana's
 * @grafana/runtime) runs a live events query; the runtime's own toStreamingDataResponse turns the answer's
 * `meta.channel` into getGrafanaLiveSrv().getDataStream(...). Grafana's Live service (its Centrifuge
 * WebSocket to Grafana's server) is the part stood in for: getDataStream here starts from the query's
 * frame as a real StreamingDataFrame of @grafana/data and pushes every packet of an EventSource on the
 * harness server, which relays the backend's RunStream packets for that channel.
 */
import {
  CoreApp,
  LoadingState,
  StreamingDataFrame,
  dateTime,
  toLiveChannelId,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
} from '@grafana/data';
import { setGrafanaLiveSrv, type GrafanaLiveSrv, type LiveDataStreamOptions } from '@grafana/runtime';
import React, { useEffect, useState } from 'react';
import { Observable, from } from 'rxjs';
import { DataSource } from '../../../src/datasource/datasource';
import { defaultQuery, type TesseractQuery } from '../../../src/query';
import { instanceSettings } from '../../support/frontend';

declare global {
  interface Window {
    /** Channels the stand-in Live service was asked for. */
    liveChannels: string[];
  }
}

export function installLiveSrv(): void {
  window.liveChannels = [];
  const live = {
    getDataStream: (options: LiveDataStreamOptions) =>
      new Observable<DataQueryResponse>((subscriber) => {
        const channel = toLiveChannelId(options.addr);
        window.liveChannels.push(channel);
        const frame = StreamingDataFrame.fromDataFrameJSON(options.frame!, options.buffer);
        const emit = () => subscriber.next({ key: options.key, state: LoadingState.Streaming, data: [frame] });
        emit();
        const source = new EventSource(`/live?channel=${encodeURIComponent(channel)}`);
        source.onmessage = (message: MessageEvent<string>) => {
          frame.push(JSON.parse(message.data));
          emit();
        };
        return () => source.close();
      }),
  };
  setGrafanaLiveSrv(live as unknown as GrafanaLiveSrv);
}

function liveRequest(): DataQueryRequest<TesseractQuery> {
  const now = Date.now();
  return {
    app: CoreApp.Explore,
    requestId: `live-${now}`,
    interval: '1s',
    intervalMs: 1000,
    maxDataPoints: 500,
    range: { from: dateTime(now - 3600_000), to: dateTime(now), raw: { from: 'now-1h', to: 'now' } },
    rangeRaw: { from: 'now-1h', to: 'now' },
    scopedVars: {},
    targets: [{ ...defaultQuery('events', 'A'), limit: 100, live: true } as TesseractQuery],
    timezone: 'browser',
    startTime: now,
  };
}

/** Runs the live query and lists the rows of the frame it streams: `<status> <tx_id>` each. */
export function LiveView() {
  const [frame, setFrame] = useState<DataFrame | undefined>();
  const [error, setError] = useState('');
  // A streaming frame changes in place: count the pushes so that each one renders.
  const [, setPushes] = useState(0);
  useEffect(() => {
    // The uid the harness server has backend settings for.
    const uid = new URLSearchParams(window.location.search).get('uid') ?? 'live-browser';
    const dataSource = new DataSource(instanceSettings(undefined, { uid }));
    const subscription = from(dataSource.query(liveRequest())).subscribe({
      next: (response) => {
        setError(response.errors?.[0]?.message ?? '');
        setFrame((response.data as DataFrame[])[0]);
        setPushes((count) => count + 1);
      },
      error: (reason: unknown) => setError(String(reason)),
    });
    return () => subscription.unsubscribe();
  }, []);
  const column = (name: string) => frame?.fields.find((field) => field.name === name)?.values ?? [];
  const statuses = column('status');
  return (
    <div id="editor">
      <p id="channel">{String(frame?.meta?.channel ?? '')}</p>
      <p id="error">{error}</p>
      <ul id="live-rows">
        {column('tx_id').map((txId, i) => (
          <li key={i}>{`${String(statuses[i])} ${String(txId)}`}</li>
        ))}
      </ul>
    </div>
  );
}

import { numberField, timeField, type Frame, type FrameNotice } from '../grafana';
import { METRICS, type MetricName, type MetricsQuery } from '../../query';
import type { Deployment, HeadOptions } from '../tesseract/deployment';
import {
  aggregate,
  bucketWidthSeconds,
  executedLookups,
  makeBuckets,
  MAX_EXECUTED_LOOKUPS,
  needsCoordinationWindow,
  needsExecutedStates,
  windowBucket,
  type Buckets,
  type MetricInput,
  type SeriesValues,
} from '../tesseract/aggregate';
import { DATAPLANE_VERSION, forEachDeployment, withNotices, type HandlerContext } from './common';

interface DeploymentSeries {
  series: Map<MetricName, SeriesValues>;
  notices: FrameNotice[];
}

async function metricInput(
  deployment: Deployment,
  metrics: readonly MetricName[],
  buckets: Buckets,
  read: HeadOptions
): Promise<{ input: MetricInput; notices: FrameNotice[] }> {
  const events = await deployment.events(read);
  // Without the window every BUFFERED tx would read as pending, however long expired.
  const coordinationWindow = needsCoordinationWindow(metrics) ? await deployment.coordinationWindow(read) : null;
  const notices: FrameNotice[] = [];
  let isExecuted: MetricInput['isExecuted'];
  if (needsExecutedStates(metrics, events)) {
    const { txIds, capped } = executedLookups(events, buckets);
    if (capped) {
      notices.push({
        severity: 'warning',
        text: `${deployment.name}: executed counts only the newest ${MAX_EXECUTED_LOOKUPS} ready transactions of the range`,
      });
    }
    isExecuted = await deployment.executedAmong(txIds, read);
  }
  return { input: { events, coordinationWindow, isExecuted, headScope: deployment.headScope }, notices };
}

/**
 * `timeseries`: one timeseries-multi frame per deployment × metric (time + one labelled value field);
 * `window`: one numeric-multi frame per deployment × metric with the value over the whole range.
 */
export async function metricsQuery(ctx: HandlerContext<MetricsQuery>): Promise<Frame[]> {
  const { query, range } = ctx;
  const window = query.mode === 'window';
  const buckets = window
    ? windowBucket(range.fromMs, range.toMs)
    : makeBuckets(
        range.fromMs,
        range.toMs,
        bucketWidthSeconds(query.bucketSeconds, ctx.intervalMs, ctx.maxDataPoints, range.fromMs, range.toMs)
      );
  const { results, notices } = await forEachDeployment<DeploymentSeries>(ctx, async (deployment, read) => {
    const { input, notices: deploymentNotices } = await metricInput(deployment, query.metrics, buckets, read);
    return { series: aggregate(input, query.metrics, buckets), notices: deploymentNotices };
  });
  const frames: Frame[] = [];
  // One array for every series: the encoder converts a values array shared by a response's fields once.
  const times = buckets.starts.map((start) => start * 1000);
  const timeConfig = { interval: buckets.widthSeconds * 1000 };
  for (const { deployment, value } of results) {
    notices.push(...value.notices);
    for (const metric of query.metrics) {
      const info = METRICS[metric];
      const values = value.series.get(metric) ?? [];
      const valueField = numberField(metric, values, {
        labels: { ...deployment.labels, metric },
        nullable: true,
        config: { unit: info.unit, displayNameFromDS: `${deployment.name} ${info.label.toLowerCase()}` },
      });
      frames.push(
        window
          ? {
              name: `${deployment.name} ${metric}`,
              meta: { type: 'numeric-multi', typeVersion: DATAPLANE_VERSION },
              fields: [valueField],
            }
          : {
              name: `${deployment.name} ${metric}`,
              meta: { type: 'timeseries-multi', typeVersion: DATAPLANE_VERSION },
              fields: [timeField('time', times, { config: timeConfig }), valueField],
            }
      );
    }
  }
  return withNotices(frames, notices, query.refId);
}

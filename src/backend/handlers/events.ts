import { QueryError, numberField, stringField, timeField, type Frame } from '../grafana';
import type { EventsQuery } from '../../query';
import type { Deployment } from '../tesseract/deployment';
import type { TesseractEvent } from '../tesseract/events';
import { newestMatching } from '../tesseract/eventqueries';
import { packTxId, shortHex, unpackWord } from '../tesseract/hex';
import { DATAPLANE_VERSION, forEachDeployment, labelColumns, withNotices, type HandlerContext } from './common';

interface Row {
  deployment: Deployment;
  event: TesseractEvent;
}

const newestFirst = (a: Row, b: Row) =>
  b.event.timestamp - a.event.timestamp ||
  b.event.blockNumber - a.event.blockNumber ||
  b.event.logIndex - a.event.logIndex;

/**
 * Decoded events of every selected deployment, newest first. `table`: one table (also read as
 * annotations: time, event and chain as title and tags, text); `value`: one numeric-wide frame, a field per event.
 */
export async function eventsQuery(ctx: HandlerContext<EventsQuery>): Promise<Frame[]> {
  const query = ctx.query;
  const known = new Set(ctx.deployments.flatMap((deployment) => deployment.contract.eventNames()));
  const unknown = query.eventNames.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new QueryError(
      `eventNames: ${unknown.join(', ')} is not an event of the selected ABIs (events: ${[...known].join(', ')})`
    );
  }
  const { results, notices } = await forEachDeployment(ctx, async (deployment, read) => {
    const filter = {
      names: query.eventNames,
      txIds: query.txIds.map(packTxId),
      origin: query.originRollup,
      target: query.targetRollup,
      reasonContains: query.reasonContains,
    };
    return newestMatching(await deployment.events(read), filter, ctx.range.fromMs, ctx.range.toMs, query.limit);
  });
  const rows = results
    .flatMap(({ deployment, value }) => value.map((event) => ({ deployment, event })))
    .sort(newestFirst)
    .slice(0, query.limit);
  const frames =
    query.format === 'value'
      ? valueFrames(
          rows,
          results.map((result) => result.deployment)
        )
      : [eventsTable(rows)];
  return withNotices(frames, notices, query.refId);
}

/** Annotation text: the details an operator needs (the frontend titles it with event and chain). */
function annotationText({ event }: Row): string {
  const parts: string[] = [];
  if (event.txId !== null) {
    parts.push(`tx_id ${shortHex(unpackWord(event.txId))}`);
  }
  if (event.reason) {
    parts.push(`reason: ${event.reason}`);
  }
  if (event.account) {
    parts.push(`by ${event.account}`);
  }
  return parts.length > 0 ? parts.join(', ') : event.name;
}

/** The events table (also the shape of live event rows, handlers/live.ts). */
export function eventsTable(rows: Row[]): Frame {
  const column = (name: string, read: (event: TesseractEvent) => string | null) =>
    stringField(
      name,
      rows.map((row) => read(row.event)),
      { nullable: true }
    );
  return {
    name: 'events',
    meta: { preferredVisualisationType: 'table' },
    fields: [
      timeField(
        'time',
        rows.map((row) => row.event.timestamp * 1000)
      ),
      ...labelColumns(rows, (row) => row.deployment),
      numberField(
        'block',
        rows.map((row) => row.event.blockNumber),
        { numberType: 'int64', config: { unit: 'none' } }
      ),
      numberField(
        'log_index',
        rows.map((row) => row.event.logIndex),
        { numberType: 'int32' }
      ),
      column('tx_hash', (event) => unpackWord(event.txHash)),
      column('event', (event) => event.name),
      column('tx_id', (event) => (event.txId === null ? null : unpackWord(event.txId))),
      column('origin', (event) => event.origin),
      column('target', (event) => event.target),
      column('dependency', (event) => (event.dependency === null ? null : unpackWord(event.dependency))),
      column('reason', (event) => event.reason),
      column('account', (event) => event.account),
      stringField('text', rows.map(annotationText)),
    ],
  };
}

/**
 * One numeric-wide frame: a value field per event, value 1, labelled with its deployment, event, tx_id and
 * reason: one alert instance each. Every deployment that answered also gets a field with value 0 and only
 * its deployment labels, so an alert rule tells "no event here" (a normal instance) from "no answer" (the
 * deployment's instances go missing) and never sees no data while any deployment answers.
 *
 * Alerting reads this exactly as one numeric-multi frame per field: Grafana's pkg/expr/dataplane.go
 * (handleDataplaneNumeric) hands numeric frames to grafana/dataplane sdata/numeric, whose wide reader
 * (wide.go, validateAndGetRefsWide) takes every numeric field of the frame and whose multi reader
 * (multi.go, validateAndGetRefsMulti) the first numeric field of each frame, both as a MetricRef of the
 * field alone; the refs are sorted alike, and mathexp.NumberFromRef (mathexp/types.go) builds each number
 * from the field's name, labels, config and single value, never from the frame. One frame costs a fraction
 * of encoding a thousand.
 */
function valueFrames(rows: Row[], answered: Deployment[]): Frame[] {
  const seen = new Set<string>();
  const fields = answered.map((deployment) =>
    numberField('event', [0], {
      labels: { ...deployment.labels },
      config: { displayNameFromDS: `${deployment.name} events` },
    })
  );
  for (const { deployment, event } of rows) {
    const labels: Record<string, string> = { ...deployment.labels, event: event.name };
    if (event.txId !== null) {
      labels.tx_id = unpackWord(event.txId);
    }
    if (event.reason) {
      labels.reason = event.reason;
    }
    const key = JSON.stringify(labels);
    if (seen.has(key)) {
      continue; // the same tx failing again for the same reason is the same alert instance
    }
    seen.add(key);
    fields.push(
      numberField('event', [1], { labels, config: { displayNameFromDS: `${deployment.name} ${event.name}` } })
    );
  }
  // No deployment answered: no frame, which Grafana reads as no data (as it did with no numeric-multi frame).
  return fields.length === 0
    ? []
    : [{ name: 'events', meta: { type: 'numeric-wide', typeVersion: DATAPLANE_VERSION }, fields }];
}

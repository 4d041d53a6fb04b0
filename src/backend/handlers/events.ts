import { QueryError, numberField, stringField, timeField, type Frame } from '../grafana';
import type { EventsQuery } from '../../query';
import type { Deployment } from '../tesseract/deployment';
import type { TesseractEvent } from '../tesseract/events';
import type { EventTable } from '../tesseract/eventtable';
import { newestMatching } from '../tesseract/eventqueries';
import { packTxId, shortHex, unpackWord } from '../tesseract/hex';
import { DATAPLANE_VERSION, forEachDeployment, labelColumns, withNotices, type HandlerContext } from './common';

interface Row {
  deployment: Deployment;
  event: TesseractEvent;
}

/** A deployment's matching events: the next one's position, newest first (-1 after the last). */
interface Matches {
  deployment: Deployment;
  table: EventTable;
  next: () => number;
}

/** An event of the answer: its deployment's table and position, not yet an object. */
interface Shown {
  deployment: Deployment;
  table: EventTable;
  position: number;
}

/**
 * Decoded events of every selected deployment, newest first. `table`: one table (also read as
 * annotations: time, event and chain as title and tags, text); `value`: one numeric-long frame, a row per event.
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
  const filter = {
    names: query.eventNames,
    txIds: query.txIds.map(packTxId),
    origin: query.originRollup,
    target: query.targetRollup,
    reasonContains: query.reasonContains,
  };
  const { results, notices } = await forEachDeployment(ctx, async (deployment, read) => ({
    deployment,
    table: await deployment.events(read),
  }));
  // Positions are taken once every deployment has answered: from here on nothing awaits, so no table is cut (a
  // reorg, retention) between finding its events and building them.
  const shown = newestAcross(
    results.map(({ value: { deployment, table } }) => ({
      deployment,
      table,
      next: newestMatching(table, filter, ctx.range.fromMs, ctx.range.toMs),
    })),
    query.limit
  );
  const frames =
    query.format === 'value'
      ? valueFrames(
          shown,
          results.map((result) => result.deployment)
        )
      : [eventsTable(shown.map(({ deployment, table, position }) => ({ deployment, event: table.event(position) })))];
  return withNotices(frames, notices, query.refId);
}

/**
 * The newest `limit` of every deployment's matches, newest first by block time, block and log index (each
 * deployment's already are); on a tie the earlier deployment first. Each deployment's matches are taken one at
 * a time as the merge reaches them: only these become events or rows.
 */
function newestAcross(matches: Matches[], limit: number): Shown[] {
  const heads = matches.map((m) => m.next());
  const out: Shown[] = [];
  const isNewer = (a: EventTable, i: number, b: EventTable, j: number) =>
    (a.timeAt(i) - b.timeAt(j) || a.blockAt(i) - b.blockAt(j) || a.logIndexAt(i) - b.logIndexAt(j)) > 0;
  while (out.length < limit) {
    let best = -1;
    for (let k = 0; k < matches.length; k++) {
      if (heads[k] >= 0 && (best < 0 || isNewer(matches[k].table, heads[k], matches[best].table, heads[best]))) {
        best = k;
      }
    }
    if (best < 0) {
      break;
    }
    const { deployment, table, next } = matches[best];
    out.push({ deployment, table, position: heads[best] });
    heads[best] = next();
  }
  return out;
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
 * One numeric-long frame (grafana/dataplane sdata/numeric long.go): a row per distinct event, tx_id and reason
 * with value 1, its string columns chain, chain_id, contract, event, tx_id and reason read as the row's labels:
 * one alert instance each. Every deployment that answered also gets a row with value 0 and empty event, tx_id
 * and reason, so an alert rule tells "no event here" (a normal instance) from "no answer" (the deployment's
 * instances go missing) and never sees no data while any deployment answers. Strings are never null: the
 * long reader takes each as a string label. Grafana's Alertmanager skips empty label values when alerts are
 * put (grafana/alerting notify, PutAlerts): a notification carries only the labels its event has.
 *
 * Alerting reads it as one number per row: Grafana's pkg/expr/dataplane.go (handleDataplaneNumeric) hands
 * numeric frames to grafana/dataplane's numeric.CollectionReaderFromFrames, whose long reader
 * (validateAndGetRefsLong) makes a MetricRef per row and number column, labelled by every string column of
 * that row. Seven columns encode in a fraction of the time of a field (with its own labels) per event.
 */
function valueFrames(shown: Shown[], answered: Deployment[]): Frame[] {
  // No deployment answered: no frame, which Grafana reads as no data.
  if (answered.length === 0) {
    return [];
  }
  const rows: Array<{ deployment: Deployment; event: string; tx_id: string; reason: string; value: number }> =
    answered.map((deployment) => ({ deployment, event: '', tx_id: '', reason: '', value: 0 }));
  const seen = new Set<string>();
  for (const { deployment, table, position } of shown) {
    const txRef = table.txRefAt(position);
    const row = {
      deployment,
      event: table.name(position),
      tx_id: txRef === 0 ? '' : unpackWord(table.txId(txRef)),
      reason: table.reason(position) ?? '',
      value: 1,
    };
    // The same tx failing again for the same reason is the same alert instance.
    const key = `${deployment.name}\n${row.event}\n${row.tx_id}\n${row.reason}`;
    if (!seen.has(key)) {
      seen.add(key);
      rows.push(row);
    }
  }
  const labels = (['event', 'tx_id', 'reason'] as const).map((name) =>
    stringField(
      name,
      rows.map((row) => row[name])
    )
  );
  const values = numberField(
    'value',
    rows.map((row) => row.value)
  );
  return [
    {
      name: 'events',
      meta: { type: 'numeric-long', typeVersion: DATAPLANE_VERSION },
      fields: [...labelColumns(rows, (row) => row.deployment), ...labels, values],
    },
  ];
}

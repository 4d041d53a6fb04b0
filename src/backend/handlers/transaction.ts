import { numberField, stringField, timeField, type Frame } from '../grafana';
import type { TransactionQuery } from '../../query';
import type { DecodedState } from '../tesseract/contract';
import type { Deployment } from '../tesseract/deployment';
import { eventsOfTxs } from '../tesseract/eventqueries';
import type { TesseractEvent } from '../tesseract/events';
import { packTxId, unpackWord } from '../tesseract/hex';
import { deadline, resolutionSeconds, type Lifecycle } from '../tesseract/lifecycle';
import { forEachDeployment, labelColumns, withNotices, type HandlerContext } from './common';

interface Row {
  deployment: Deployment;
  txId: string;
  /** Null for a tx_id this deployment has no event of (its state still tells whether it knows it). */
  event: TesseractEvent | null;
  state?: DecodedState;
  lifecycle?: Lifecycle;
  outcome: string;
}

/**
 * Where the tx stands now: executed / ready from the state; a BUFFERED tx is, as in the backlog metrics,
 * pending, or awaiting retry once it logged a failure (Simple keeps it BUFFERED for a retry), and past its
 * deadline expired, or failed (final) when it had logged a failure.
 */
export function outcomeOf(
  state: DecodedState | undefined,
  lifecycle: Lifecycle | undefined,
  window: number | null,
  now: number
): string {
  if (state && state.name !== 'BUFFERED') {
    return state.name === 'UNKNOWN' ? 'not buffered' : state.name.toLowerCase();
  }
  if (!lifecycle?.buffered) {
    return 'unknown';
  }
  if (lifecycle.ready) {
    return 'ready'; // only without a state to read (an ABI lacking get_transaction_state)
  }
  if (now > deadline(lifecycle, window)) {
    return lifecycle.failures > 0 ? 'failed' : 'expired';
  }
  return lifecycle.failures > 0 ? 'awaiting retry' : 'pending';
}

/**
 * The lifecycle of the given tx_ids on every selected deployment (both legs of a cross-rollup tx):
 * one row per event in chain order, with the tx's current state from get_transaction_state, its
 * resolution time and failure reason; a tx_id without events on a deployment gets one row with its state.
 * Events are looked up over the whole index, not only the panel's time range.
 */
export async function transactionQuery(ctx: HandlerContext<TransactionQuery>): Promise<Frame[]> {
  const wanted = [...new Set(ctx.query.txIds.map(packTxId))];
  const logger = ctx.logger.with({ tx_id: ctx.query.txIds.join(',') });
  const { results, notices } = await forEachDeployment({ ...ctx, logger }, async (deployment, read) => {
    // Read the table before awaiting anything else: a concurrent sync may change it.
    const byTx = eventsOfTxs(await deployment.events(read), wanted);
    const [states, window, head] = await Promise.all([
      // While the RPC is down a dashboard still gets the events, with the states left unknown.
      deployment.states(wanted, read).catch((error: unknown) => {
        if (read.allowStale && deployment.outage()) {
          return new Map<string, DecodedState>();
        }
        throw error;
      }),
      deployment.coordinationWindow(read).catch(() => null),
      deployment.head(read),
    ]);
    const rows: Row[] = [];
    for (const [txId, { events: txEvents, lifecycle }] of byTx) {
      const state = states.get(txId);
      const base = {
        deployment,
        txId,
        state,
        lifecycle,
        outcome: outcomeOf(state, lifecycle, window, head.header.timestamp),
      };
      if (txEvents.length === 0) {
        rows.push({ ...base, event: null });
      }
      for (const event of txEvents) {
        rows.push({ ...base, event });
      }
    }
    return rows;
  });
  const rows = results.flatMap((result) => result.value);
  return withNotices([transactionTable(rows)], notices, ctx.query.refId);
}

function transactionTable(rows: Row[]): Frame {
  const text = (name: string, read: (row: Row) => string | null | undefined) =>
    stringField(
      name,
      rows.map((row) => read(row) ?? null),
      { nullable: true }
    );
  return {
    name: 'transaction',
    meta: { preferredVisualisationType: 'table' },
    fields: [
      timeField(
        'time',
        rows.map((row) => (row.event ? row.event.timestamp * 1000 : null)),
        { nullable: true }
      ),
      ...labelColumns(rows, (row) => row.deployment),
      text('tx_id', (row) => unpackWord(row.txId)),
      text('event', (row) => row.event?.name),
      numberField(
        'block',
        rows.map((row) => row.event?.blockNumber ?? null),
        { numberType: 'int64', nullable: true, config: { unit: 'none' } }
      ),
      text('tx_hash', (row) => (row.event ? unpackWord(row.event.txHash) : null)),
      text('origin', (row) => row.lifecycle?.buffered?.origin),
      text('target', (row) => row.lifecycle?.buffered?.target),
      text('reason', (row) => row.event?.reason),
      text('state', (row) => row.state?.name),
      text('outcome', (row) => row.outcome),
      numberField(
        'state_raw',
        rows.map((row) => (row.state ? Number(row.state.raw) : null)),
        { nullable: true, config: { unit: 'none' } }
      ),
      numberField(
        'resolution_seconds',
        rows.map((row) => (row.lifecycle ? resolutionSeconds(row.lifecycle) : null)),
        { nullable: true, config: { unit: 's' } }
      ),
      text('failure_reason', (row) => row.lifecycle?.failed?.reason),
    ],
  };
}

import { RpcError } from '../chain';
import {
  QueryError,
  stringField,
  type Field,
  type Frame,
  type FrameNotice,
  type Logger,
  type TimeRange,
} from '../grafana';
import { LABEL_CHAIN, LABEL_CHAIN_ID, LABEL_CONTRACT, type TesseractQuery } from '../../query';
import type { Deployment, HeadOptions } from '../tesseract/deployment';
import { ContractRevert } from '../tesseract/revert';

/** What every handler gets: the validated query, the deployments it selects and the request's window. */
export interface HandlerContext<Q extends TesseractQuery = TesseractQuery> {
  query: Q;
  deployments: Deployment[];
  range: TimeRange;
  intervalMs: number;
  maxDataPoints: number;
  logger: Logger;
  /** Sent by the alert engine: then a dead RPC is an error, never an answer from the index. */
  fromAlert: boolean;
}

/** The data-plane marker alerting needs on the first frame (facts sheet §6). */
export const DATAPLANE_VERSION: [number, number] = [0, 1];

/**
 * Maps a failure to what Grafana shows: chain errors are downstream (429 rate limited, 504 timeouts,
 * 502 otherwise), reverts are the contract's answer to the arguments (downstream 400), anything else
 * that is not already a QueryError is a plugin bug and passes through to become a 500.
 */
export function toQueryError(error: unknown, deployment?: Deployment): unknown {
  const prefix = deployment ? `${deployment.name}: ` : '';
  if (error instanceof QueryError) {
    return error;
  }
  if (error instanceof RpcError) {
    const status = error.kind === 'rate_limited' ? 429 : error.kind === 'timeout' ? 504 : 502;
    return new QueryError(prefix + error.message, { source: 'downstream', status, cause: error });
  }
  if (error instanceof ContractRevert) {
    return new QueryError(prefix + error.message, { source: 'downstream', status: 400, cause: error });
  }
  return error;
}

export interface PerDeployment<T> {
  results: Array<{ deployment: Deployment; value: T }>;
  /** One warning per deployment that failed while others answered. */
  notices: FrameNotice[];
}

/**
 * Runs `work` for every deployment in parallel, with the head options of the request: a dashboard's reads
 * may be answered as of the last good sync while the RPC is down (with a notice saying so), an alert's never,
 * so that its rule goes to its error state rather than judge stale data. Deployments that fail are reported
 * as frame notices while the others answer; when every deployment fails, the query fails with the first error.
 */
export async function forEachDeployment<T>(
  ctx: HandlerContext,
  work: (deployment: Deployment, read: HeadOptions) => Promise<T>
): Promise<PerDeployment<T>> {
  const read: HeadOptions = { allowStale: !ctx.fromAlert };
  const settled = await Promise.allSettled(ctx.deployments.map((deployment) => work(deployment, read)));
  const results: PerDeployment<T>['results'] = [];
  const failures: Array<{ deployment: Deployment; error: unknown }> = [];
  settled.forEach((outcome, i) => {
    const deployment = ctx.deployments[i];
    if (outcome.status === 'fulfilled') {
      results.push({ deployment, value: outcome.value });
    } else {
      failures.push({ deployment, error: outcome.reason });
      ctx.logger.warn('Deployment failed', { chain: deployment.name, error: messageOf(outcome.reason) });
    }
  });
  if (failures.length > 0 && results.length === 0) {
    throw toQueryError(failures[0].error, failures.length > 1 ? undefined : failures[0].deployment);
  }
  const notices: FrameNotice[] = failures.map(({ deployment, error }) => ({
    severity: 'warning' as const,
    text: `${deployment.name}: no data: ${messageOf(toQueryError(error))}`,
  }));
  for (const { deployment } of read.allowStale ? results : []) {
    const outage = deployment.outage();
    if (outage) {
      notices.push({
        severity: 'warning',
        text: `${deployment.name}: RPC down since ${new Date(outage.sinceMs).toISOString()}, data up to block ${outage.upToBlock} (${outage.error.message})`,
      });
    }
  }
  for (const { deployment } of results) {
    // Answers over a range that starts before the retention edge count only the events kept.
    const keptFrom = deployment.keptFromSeconds();
    if (keptFrom !== undefined && ctx.range.fromMs < keptFrom * 1000) {
      notices.push({
        severity: 'info',
        text: `${deployment.name}: data before ${new Date(keptFrom * 1000).toISOString()} is not kept (index store retention)`,
      });
    }
  }
  return { results, notices };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Adds notices to the first frame (or to an empty frame when there is none). */
export function withNotices(frames: Frame[], notices: FrameNotice[], refId: string): Frame[] {
  if (notices.length === 0) {
    return frames;
  }
  if (frames.length === 0) {
    return [{ refId, fields: [], meta: { notices } }];
  }
  const [first, ...rest] = frames;
  return [{ ...first, meta: { ...first.meta, notices: [...(first.meta?.notices ?? []), ...notices] } }, ...rest];
}

/** chain, chain_id and contract as string columns of a table, one row per value of `rows`. */
export function labelColumns<T>(rows: readonly T[], deploymentOf: (row: T) => Deployment): Field[] {
  return [LABEL_CHAIN, LABEL_CHAIN_ID, LABEL_CONTRACT].map((label) =>
    stringField(
      label,
      rows.map((row) => deploymentOf(row).labels[label])
    )
  );
}

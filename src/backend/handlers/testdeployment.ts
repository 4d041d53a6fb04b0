import type { Logger } from '../grafana';
import { parseQuery, type QueryOfType, type QueryType } from '../../query';
import type { DecodedState } from '../tesseract/contract';
import type { Deployment } from '../tesseract/deployment';
import type { EventTable } from '../tesseract/eventtable';
import type { HandlerContext } from './common';

/**
 * For handler unit tests: a deployment answering from a real EventTable, with the chain reads a handler makes
 * (head, coordination window, states) given as values, so a test asserts only how answers become frames.
 */
export function tableDeployment(
  name: string,
  events: EventTable,
  chain: { headTime?: number; coordinationWindow?: number; states?: Map<string, DecodedState> } = {}
): Deployment {
  const standIn = {
    name,
    labels: { chain: name, chain_id: '10', contract: '0x00000000000000000000000000000000000000C0' },
    contract: { eventNames: () => ['TransactionBuffered', 'TransactionReady', 'TransactionFailed', 'EmergencyPause'] },
    events: async () => events,
    coordinationWindow: async () => chain.coordinationWindow ?? null,
    head: async () => ({ header: { number: 1, hash: '0x01', timestamp: chain.headTime ?? 0 } }),
    states: async (txIds: readonly string[]) =>
      new Map([...(chain.states ?? new Map<string, DecodedState>())].filter(([txId]) => txIds.includes(txId))),
    executedAmong: async () => () => false,
    outage: () => undefined,
    keptFromSeconds: () => undefined,
  };
  return standIn as unknown as Deployment;
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, with: () => quiet };

/** A handler context for a raw query (validated as the data source validates it) over [fromMs, toMs]. */
export function handlerContext<T extends QueryType>(
  raw: Record<string, unknown> & { queryType: T },
  deployments: Deployment[],
  fromMs = 0,
  toMs = 4_000_000_000_000
): HandlerContext<QueryOfType<T>> {
  const parsed = parseQuery({ refId: 'A', ...raw });
  if (!parsed.ok) {
    throw new Error(parsed.errors.join('; '));
  }
  return {
    query: parsed.query as QueryOfType<T>,
    deployments,
    range: { fromMs, toMs },
    intervalMs: 60_000,
    maxDataPoints: 1000,
    logger: quiet,
    fromAlert: false,
  };
}

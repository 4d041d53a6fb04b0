import { randomBytes } from 'node:crypto';
import { headerRequest, parseHeader, redactUrls } from '../chain';
import type { HealthField } from '../../query';
import { ContractRevert, type Deployment } from './deployment';

/** What the health query reports for one deployment. Null values are "not applicable" or "unknown". */
export interface HealthReport {
  values: Record<HealthField, number | null>;
  owner: string | null;
  /** Why `accepting` is what it is: the revert reason, or why the dry run was not applicable. */
  acceptingReason: string | null;
  /** The last error met while probing (never a URL). */
  lastError: string | null;
}

/** Dry-run arguments: recognisable, distinct, non-zero rollups and a one-byte payload. */
const PROBE_ORIGIN = '0x00000000000000000000000000000000000a11ce';
const PROBE_TARGET = '0x0000000000000000000000000000000000000b0b';
const PROBE_PAYLOAD = '0x01';
const PROBE_LEAD_SECONDS = 60;

function emptyValues(): Record<HealthField, number | null> {
  return {
    up: 0,
    head_block: null,
    head_age_seconds: null,
    code_present: null,
    paused: null,
    circuit_breaker_active: null,
    transaction_count: null,
    coordination_window_seconds: null,
    rpc_latency_ms: null,
    accepting: null,
  };
}

const flag = (value: unknown) => (value ? 1 : 0);

/**
 * Probes one deployment: head and code in one batch (up=0 with the error text when the RPC fails or
 * serves another chain), the ABI's status views in a second batch (views the ABI lacks stay null), and
 * a dry run of buffer_transaction from the operator (or owner) with a fresh tx_id.
 */
export async function probeHealth(deployment: Deployment, nowMs = Date.now()): Promise<HealthReport> {
  const report: HealthReport = { values: emptyValues(), owner: null, acceptingReason: null, lastError: null };
  const values = report.values;
  const contract = deployment.contract;
  let headTimestamp: number;
  try {
    const started = performance.now();
    const [rawHead, code] = await deployment.pool.batch([
      headerRequest('latest'),
      { method: 'eth_getCode', params: [deployment.settings.contract, 'latest'] },
    ]);
    values.rpc_latency_ms = Math.round((performance.now() - started) * 10) / 10;
    const head = parseHeader(rawHead);
    if (!head) {
      throw new Error('the RPC returned no latest block');
    }
    headTimestamp = head.timestamp;
    values.up = 1;
    values.head_block = head.number;
    values.head_age_seconds = Math.max(0, Math.round(nowMs / 1000 - head.timestamp));
    values.code_present = typeof code === 'string' && code.length > 2 ? 1 : 0;
  } catch (error) {
    report.lastError = redactUrls(error instanceof Error ? error.message : String(error));
    return report;
  }

  const views = (
    ['owner', 'paused', 'circuit_breaker_active', 'transaction_count', 'coordination_window'] as const
  ).filter((name) => contract.hasFunction(name));
  const results = await deployment
    .callMany(views.map((name) => ({ name })))
    .catch((error: Error) => views.map(() => error));
  views.forEach((name, i) => {
    const result = results[i];
    if (result instanceof Error) {
      report.lastError = redactUrls(result.message);
      return;
    }
    const value: unknown = result[0];
    switch (name) {
      case 'owner':
        report.owner = String(value);
        break;
      case 'paused':
      case 'circuit_breaker_active':
        values[name] = flag(value);
        break;
      case 'transaction_count':
        values.transaction_count = Number(value);
        break;
      case 'coordination_window':
        values.coordination_window_seconds = Number(value);
        break;
    }
  });

  await probeAccepting(deployment, report, headTimestamp);
  return report;
}

const sharedProbes = new WeakMap<Deployment, { startedAt: number; report: Promise<HealthReport> }>();

/**
 * A probe started less than `maxAgeMs` ago, or a new one: the health panels of one dashboard refresh
 * (up, head, latency, accepting, paused, …) arrive together and share one probe per deployment.
 */
export function sharedProbe(deployment: Deployment, maxAgeMs: number): Promise<HealthReport> {
  const recent = sharedProbes.get(deployment);
  if (recent && Date.now() - recent.startedAt < maxAgeMs) {
    return recent.report;
  }
  const report = probeHealth(deployment);
  sharedProbes.set(deployment, { startedAt: Date.now(), report });
  return report;
}

async function probeAccepting(deployment: Deployment, report: HealthReport, headTimestamp: number): Promise<void> {
  if (!deployment.contract.hasFunction('buffer_transaction')) {
    report.acceptingReason = 'n/a: the ABI has no buffer_transaction';
    return;
  }
  const from = deployment.settings.operator ?? report.owner;
  if (!from) {
    report.acceptingReason = 'n/a: no operator configured and owner() unknown';
    return;
  }
  const txId = '0x' + randomBytes(32).toString('hex');
  const args = [
    txId,
    PROBE_ORIGIN,
    PROBE_TARGET,
    PROBE_PAYLOAD,
    '0x' + '00'.repeat(32),
    headTimestamp + PROBE_LEAD_SECONDS,
  ];
  try {
    await deployment.callRaw('buffer_transaction', args, from);
    report.values.accepting = 1;
    report.acceptingReason = 'accepts new transactions';
  } catch (error) {
    if (error instanceof ContractRevert) {
      report.values.accepting = 0;
      report.acceptingReason = error.reason;
    } else {
      report.lastError = redactUrls(error instanceof Error ? error.message : String(error));
    }
  }
}

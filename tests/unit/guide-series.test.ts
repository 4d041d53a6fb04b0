/** @jest-environment node */
// The monitoring guide's Prometheus series as the data source exports them (CollectMetrics' text), read
// back by a strict exposition parser, and the guide's own PromQL rules evaluated on two scrapes.
import { TesseractDataSource } from '../../src/backend/instance';
import { createLogger, metrics } from '../../src/backend/grafana';
import { RESOLUTION_BUCKETS_SECONDS } from '../../src/backend/tesseract/confirmed';
import type { Deployment } from '../../src/backend/tesseract/deployment';
import { EventKind, TesseractEvent, type EventKindCode } from '../../src/backend/tesseract/events';
import { packWord } from '../../src/backend/tesseract/hex';
import { histogramQuantile, histogramSeries, parseExposition, rate, type PromFamily } from '../support/prometheus';

const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const lines: string[] = [];
const word = (n: number) => packWord('0x' + n.toString(16).padStart(64, '0'));

function dataSource(uid: string, names: string[], orgId = 1): TesseractDataSource {
  const deployments = names.map((name, i) => ({
    id: `id-${name}`,
    name,
    chainId: 10 + i,
    contract: CONTRACT,
    abi: 'simple',
    startBlock: 0,
    confirmations: 0,
    maxBlockRange: 1000,
  }));
  // Never dialled: events are put into the index's table directly.
  const secure = Object.fromEntries(names.map((name) => [`rpcUrls.id-${name}`, 'http://127.0.0.1:9']));
  return new TesseractDataSource(
    { uid, orgId, name: uid, url: '', jsonData: { deployments }, secureJsonData: secure, lastUpdatedMS: 1 },
    createLogger({ write: (line) => lines.push(line) })
  );
}

/** Appends lifecycles to a deployment's index and confirms them, as a sync would. */
class History {
  private block = 1;
  private tx = 0;

  constructor(private readonly deployment: Deployment) {}

  /** `n` txs buffered at `time`; `ready` of them ready `seconds` later, `failed` failed then. */
  add(time: number, n: number, ready: number, seconds: number, failed: number): void {
    const table = this.deployment.logIndex().store;
    const push = (kind: EventKindCode, tx: number, at: number, name: string) =>
      table.push(
        new TesseractEvent(
          this.block,
          table.length,
          at,
          kind,
          name,
          word(table.length),
          word(tx),
          null,
          null,
          null,
          null,
          null,
          null
        )
      );
    const first = this.tx;
    for (let i = 0; i < n; i++) {
      push(EventKind.Buffered, first + i, time, 'TransactionBuffered');
    }
    this.block++;
    for (let i = 0; i < ready; i++) {
      push(EventKind.Ready, first + i, time + seconds, 'TransactionReady');
    }
    for (let i = ready; i < ready + failed; i++) {
      push(EventKind.Failed, first + i, time + seconds, 'TransactionFailed');
    }
    this.tx += n;
    this.deployment.confirmed().advance(this.block, this.block);
    this.block++;
  }
}

const GUIDE_FAMILIES: Record<string, string> = {
  tesseract_transactions_buffered_total: 'counter',
  tesseract_transactions_ready_total: 'counter',
  tesseract_transactions_failed_total: 'counter',
  tesseract_transaction_count: 'gauge',
  tesseract_resolution_time_seconds: 'histogram',
};

function family(families: Map<string, PromFamily>, name: string): PromFamily {
  const found = families.get(name);
  if (!found) {
    throw new Error(`no family ${name}`);
  }
  return found;
}

describe("the guide's Prometheus series", () => {
  const sources: TesseractDataSource[] = [];
  afterAll(() => sources.forEach((source) => source.dispose()));

  it('are exported for every instance, with consistent histograms, and make the guide rules fire', () => {
    const a = dataSource('ds-a', ['optimism', 'arbitrum']);
    const b = dataSource('ds-b', ['optimism']);
    sources.push(a, b);
    const [optimism, arbitrum] = a.deployments.map((d) => new History(d));
    const other = new History(b.deployments[0]);
    // Not synced yet: no series (a backfill in progress would make its counters jump).
    let families = parseExposition(metrics.render());
    for (const [name, type] of Object.entries(GUIDE_FAMILIES)) {
      expect(family(families, name).type).toBe(type);
      expect(family(families, name).samples).toEqual([]);
    }

    // History: 100 buffered, 90 ready after 5 s, 2 failed; the other deployments a little.
    optimism.add(1_700_000_000, 100, 90, 5, 2);
    arbitrum.add(1_700_000_000, 10, 10, 1, 0);
    other.add(1_700_000_000, 4, 4, 30, 0);
    const first = parseExposition(metrics.render());
    // Five minutes later: 50 buffered, 40 ready after 120 s, 10 failed on optimism only.
    optimism.add(1_700_000_300, 50, 40, 120, 10);
    const second = parseExposition(metrics.render());
    families = second;

    const labelsOf = (d: Deployment, uid: string) => ({ ...d.labels, datasource_uid: uid, org_id: '1' });
    const expected = [
      labelsOf(a.deployments[0], 'ds-a'),
      labelsOf(a.deployments[1], 'ds-a'),
      labelsOf(b.deployments[0], 'ds-b'),
    ];
    for (const name of Object.keys(GUIDE_FAMILIES).filter((n) => n.endsWith('_total'))) {
      expect(family(families, name).samples.map((s) => s.labels)).toEqual(expected);
    }
    const value = (name: string, labels: Record<string, string>) =>
      family(families, name).samples.find((s) => JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    expect(value('tesseract_transactions_buffered_total', expected[0])).toBe(150);
    expect(value('tesseract_transactions_ready_total', expected[0])).toBe(130);
    expect(value('tesseract_transactions_failed_total', expected[0])).toBe(12);
    expect(value('tesseract_transactions_buffered_total', expected[2])).toBe(4);

    const histograms = histogramSeries(family(families, 'tesseract_resolution_time_seconds'));
    expect(histograms.map((h) => h.labels)).toEqual(expected);
    for (const histogram of histograms) {
      expect(histogram.buckets.map((bucket) => bucket.le)).toEqual([...RESOLUTION_BUCKETS_SECONDS, Infinity]);
      const counts = histogram.buckets.map((bucket) => bucket.count);
      expect(counts).toEqual([...counts].sort((x, y) => x - y));
      expect(counts[counts.length - 1]).toBe(histogram.count);
    }
    expect(histograms[0]).toMatchObject({ sum: 90 * 5 + 40 * 120, count: 130 });
    expect(histograms[0].buckets.find((bucket) => bucket.le === 5)?.count).toBe(90);
    expect(histograms[0].buckets.find((bucket) => bucket.le === 60)?.count).toBe(90);
    expect(histograms[0].buckets.find((bucket) => bucket.le === 120)?.count).toBe(130);
    expect(histograms[2]).toMatchObject({ sum: 4 * 30, count: 4 });

    // rate(tesseract_transactions_failed_total[5m]) / rate(tesseract_transactions_buffered_total[5m]) > 0.1:
    // both sides have the same labels, so the division matches series one to one.
    const failedRate = rate(
      family(first, 'tesseract_transactions_failed_total'),
      family(second, 'tesseract_transactions_failed_total'),
      300
    );
    const bufferedRate = rate(
      family(first, 'tesseract_transactions_buffered_total'),
      family(second, 'tesseract_transactions_buffered_total'),
      300
    );
    const key = JSON.stringify(Object.entries(expected[0]).sort());
    expect(failedRate.get(key)! / bufferedRate.get(key)!).toBeCloseTo(0.2);
    expect([...bufferedRate.keys()]).toEqual([...failedRate.keys()]);

    // histogram_quantile(0.95, rate(tesseract_resolution_time_seconds_bucket[10m])) > 60
    const before = histogramSeries(family(first, 'tesseract_resolution_time_seconds'))[0].buckets;
    const window = histograms[0].buckets.map((bucket, i) => ({ le: bucket.le, count: bucket.count - before[i].count }));
    expect(histogramQuantile(0.95, window)).toBeGreaterThan(60);
    expect(histogramQuantile(0.95, window)).toBeLessThanOrEqual(120);
    // With the guide's buckets alone (prometheus_client's defaults, up to 10 s), the rule could never fire.
    const guideBuckets = window.filter((bucket) => bucket.le <= 10 || bucket.le === Infinity);
    expect(histogramQuantile(0.95, guideBuckets)).toBe(10);
  });

  it('keep one set of series per data source when its instance is replaced', () => {
    const old = dataSource('ds-c', ['base']);
    new History(old.deployments[0]).add(1_700_000_000, 3, 3, 2, 0);
    const replaced = dataSource('ds-c', ['base']);
    sources.push(replaced);
    old.dispose(); // after the new instance exists, as the SDK's instance manager does
    new History(replaced.deployments[0]).add(1_700_000_000, 3, 3, 2, 0);
    const samples = family(parseExposition(metrics.render()), 'tesseract_transactions_buffered_total').samples;
    expect(samples.filter((s) => s.labels.datasource_uid === 'ds-c')).toEqual([
      {
        name: 'tesseract_transactions_buffered_total',
        labels: { ...replaced.deployments[0].labels, datasource_uid: 'ds-c', org_id: '1' },
        value: 3,
      },
    ]);
  });

  it('keep the series of each org apart when two orgs hold the same uid', () => {
    const one = dataSource('ds-d', ['base'], 1);
    const two = dataSource('ds-d', ['base'], 2);
    new History(one.deployments[0]).add(1_700_000_000, 5, 5, 2, 0);
    new History(two.deployments[0]).add(1_700_000_000, 7, 7, 2, 0);
    const replaced = dataSource('ds-d', ['base'], 2);
    sources.push(one, replaced);
    two.dispose(); // org 2's settings changed: org 1's instance stays exported
    new History(replaced.deployments[0]).add(1_700_000_000, 8, 8, 2, 0);
    const samples = family(parseExposition(metrics.render()), 'tesseract_transactions_buffered_total').samples;
    const labels = { ...one.deployments[0].labels, datasource_uid: 'ds-d' };
    expect(samples.filter((s) => s.labels.datasource_uid === 'ds-d').map((s) => [s.labels, s.value])).toEqual([
      [{ ...labels, org_id: '1' }, 5],
      [{ ...labels, org_id: '2' }, 8],
    ]);
  });
});

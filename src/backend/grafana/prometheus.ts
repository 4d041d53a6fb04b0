/**
 * A small Prometheus registry: counters, gauges and histograms with labels (kept here or sampled at collection), rendered in the text exposition
 * format that Grafana's CollectMetrics expects.
 */
export type Labels = Record<string, string>;

interface Metric {
  render(): string[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** One series' key: its labels by name, each name and value as a JSON string (self-delimiting, so unambiguous). */
function labelKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) {
    names.sort();
  }
  let key = '';
  for (const name of names) {
    key += `${JSON.stringify(name)}${JSON.stringify(labels[name])}`;
  }
  return key;
}

function renderLabels(labels: Labels, extra?: Labels): string {
  const entries = Object.entries({ ...labels, ...extra });
  if (entries.length === 0) {
    return '';
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : '-Inf';
  }
  return String(value);
}

export class Counter implements Metric {
  private readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string
  ) {}

  inc(labels: Labels = {}, amount = 1): void {
    const key = labelKey(labels);
    const entry = this.series.get(key) ?? { labels: { ...labels }, value: 0 };
    entry.value += amount;
    this.series.set(key, entry);
  }

  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${renderLabels(labels)} ${formatNumber(value)}`);
    }
    return lines;
  }
}

export interface Sample {
  labels?: Labels;
  value: number;
}

/** Samples read when metrics are collected: a gauge, or a counter kept by someone else (e.g. on-chain totals). */
export class SampledMetric implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter',
    private readonly read: () => Sample[]
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.read()) {
      lines.push(`${this.name}${renderLabels(labels ?? {})} ${formatNumber(value)}`);
    }
    return lines;
  }
}

/** One histogram series: cumulative counts per upper bound (without +Inf, which is `count`). */
export interface HistogramSample {
  labels: Labels;
  cumulativeCounts: readonly number[];
  sum: number;
  count: number;
}

function histogramLines(name: string, buckets: readonly number[], sample: HistogramSample): string[] {
  const lines = buckets.map(
    (bound, index) =>
      `${name}_bucket${renderLabels(sample.labels, { le: formatNumber(bound) })} ${sample.cumulativeCounts[index]}`
  );
  lines.push(`${name}_bucket${renderLabels(sample.labels, { le: '+Inf' })} ${sample.count}`);
  lines.push(`${name}_sum${renderLabels(sample.labels)} ${formatNumber(sample.sum)}`);
  lines.push(`${name}_count${renderLabels(sample.labels)} ${sample.count}`);
  return lines;
}

/** A histogram whose series are read when metrics are collected. */
export class SampledHistogram implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    private readonly read: () => HistogramSample[]
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const sample of this.read()) {
      lines.push(...histogramLines(this.name, this.buckets, sample));
    }
    return lines;
  }
}

export const DEFAULT_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram implements Metric {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_SECONDS_BUCKETS
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    const entry = this.series.get(key) ?? {
      labels: { ...labels },
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    };
    this.buckets.forEach((bound, index) => {
      if (value <= bound) {
        entry.counts[index]++;
      }
    });
    entry.sum += value;
    entry.count++;
    this.series.set(key, entry);
  }

  /** Starts a timer; calling the returned function observes the elapsed seconds. */
  startTimer(labels: Labels): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(labels, seconds);
      return seconds;
    };
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.series.values()) {
      lines.push(...histogramLines(this.name, this.buckets, { labels, cumulativeCounts: counts, sum, count }));
    }
    return lines;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Well inside Prometheus' default 10 s scrape timeout. */
const COLLECT_HOOK_TIMEOUT_MS = 4000;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly hooks: Array<() => Promise<void>> = [];

  private register<T extends Metric>(name: string, create: () => T): T {
    if (!METRIC_NAME.test(name)) {
      throw new Error(`invalid metric name ${name}`);
    }
    const existing = this.metrics.get(name);
    if (existing) {
      return existing as T;
    }
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }

  /** Returns the counter of that name, creating it on first use. */
  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help));
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, buckets));
  }

  /** A gauge whose samples are read when metrics are collected. */
  gauge(name: string, help: string, read: () => Sample[]): SampledMetric {
    return this.register(name, () => new SampledMetric(name, help, 'gauge', read));
  }

  /** A counter whose samples are read when metrics are collected; `read` must keep each series monotonic. */
  counterFrom(name: string, help: string, read: () => Sample[]): SampledMetric {
    return this.register(name, () => new SampledMetric(name, help, 'counter', read));
  }

  /** A histogram whose series are read when metrics are collected (cumulative, as exposed). */
  histogramFrom(
    name: string,
    help: string,
    buckets: readonly number[],
    read: () => HistogramSample[]
  ): SampledHistogram {
    return this.register(name, () => new SampledHistogram(name, help, buckets, read));
  }

  /**
   * Runs before every collection (CollectMetrics), e.g. to bring sampled values up to date. Collection
   * waits for the hooks at most `timeoutMs` (their errors are theirs to report), then renders what is there.
   */
  beforeCollect(hook: () => Promise<void>): void {
    this.hooks.push(hook);
  }

  /** Runs the beforeCollect hooks (bounded by their timeout), then renders. */
  async collect(timeoutMs = COLLECT_HOOK_TIMEOUT_MS): Promise<string> {
    if (this.hooks.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      const hooks = Promise.all(this.hooks.map((hook) => hook().catch(() => undefined)));
      await Promise.race([hooks, deadline]);
      clearTimeout(timer);
    }
    return this.render();
  }

  /** Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) {
      lines.push(...metric.render());
    }
    return lines.length ? lines.join('\n') + '\n' : '';
  }
}

/** The plugin's metrics, served by CollectMetrics. The SDK records RPC and query metrics here itself. */
export const metrics = new MetricsRegistry();

export const pluginMetrics = {
  rpcCalls: metrics.counter('plugin_grpc_requests_total', 'gRPC calls received from Grafana, by method.'),
  rpcErrors: metrics.counter('plugin_grpc_errors_total', 'gRPC calls that failed, by method.'),
  queries: metrics.counter('plugin_queries_total', 'Queries answered, by query type and status.'),
  queryErrors: metrics.counter(
    'plugin_query_errors_total',
    'Queries answered with an error, by query type and source.'
  ),
  queryDuration: metrics.histogram('plugin_query_duration_seconds', 'Time to answer one query, by query type.'),
  cacheHits: metrics.counter('plugin_cache_hits_total', 'Cache lookups answered from the cache, by cache.'),
  cacheMisses: metrics.counter('plugin_cache_misses_total', 'Cache lookups that missed, by cache.'),
};

metrics.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => [
  { value: process.memoryUsage.rss() },
]);
metrics.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.', () => [{ value: process.memoryUsage().heapUsed }]);
metrics.gauge('process_uptime_seconds', 'Seconds since the plugin process started.', () => [
  { value: process.uptime() },
]);

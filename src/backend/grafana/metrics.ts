/**
 * A small Prometheus registry: counters and histograms with labels, rendered in the text exposition
 * format that Grafana's CollectMetrics expects.
 */
export type Labels = Record<string, string>;

interface Metric {
  render(): string[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((name) => [name, labels[name]])
  );
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

export class Gauge implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Array<{ labels?: Labels; value: number }>
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.read()) {
      lines.push(`${this.name}${renderLabels(labels ?? {})} ${formatNumber(value)}`);
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
      this.buckets.forEach((bound, index) => {
        lines.push(`${this.name}_bucket${renderLabels(labels, { le: formatNumber(bound) })} ${counts[index]}`);
      });
      lines.push(`${this.name}_bucket${renderLabels(labels, { le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${renderLabels(labels)} ${formatNumber(sum)}`);
      lines.push(`${this.name}_count${renderLabels(labels)} ${count}`);
    }
    return lines;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

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
  gauge(name: string, help: string, read: () => Array<{ labels?: Labels; value: number }>): Gauge {
    return this.register(name, () => new Gauge(name, help, read));
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

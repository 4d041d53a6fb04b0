// A strict reader of the Prometheus text exposition format (0.0.4) as Prometheus scrapes it, and the two
// PromQL functions the guide's rules use (rate over two scrapes, histogram_quantile), for checking the
// backend's CollectMetrics output. Malformed lines throw rather than being skipped.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) {
      throw new Error(`bad labels in: ${line}`);
    }
    if (match[1] in labels) {
      throw new Error(`duplicate label ${match[1]} in: ${line}`);
    }
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') {
    return Infinity;
  }
  if (text === '-Inf') {
    return -Infinity;
  }
  const value = Number(text);
  if (text === 'NaN' ? false : Number.isNaN(value)) {
    throw new Error(`bad value in: ${line}`);
  }
  return value;
}

/** Families by name; a sample belongs to the family whose name it extends by _bucket/_sum/_count (histograms). */
export function parseExposition(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  let current: PromFamily | undefined;
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta;
      let family = families.get(name);
      if (!family) {
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
      }
      if (kind === 'HELP') {
        family.help = rest;
      } else {
        family.type = rest;
      }
      current = family;
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) {
      throw new Error(`not an exposition line: ${line}`);
    }
    const [, name, labelText, valueText] = match;
    const sample = { name, labels: parseLabels(labelText ?? '', line), value: parseValue(valueText, line) };
    const base = current?.type === 'histogram' ? name.replace(/_(bucket|sum|count)$/, '') : name;
    if (!current || base !== current.name) {
      throw new Error(`sample outside its family (no TYPE line before it): ${line}`);
    }
    const key = `${name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) {
      throw new Error(`duplicate series: ${line}`);
    }
    seen.add(key);
    current.samples.push(sample);
  }
  return families;
}

const seriesKey = (labels: Record<string, string>, without: string[] = []) =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([name]) => !without.includes(name))
      .sort()
  );

/** One histogram series: its buckets (cumulative, by upper bound, +Inf last), sum and count. */
export interface HistogramSeries {
  labels: Record<string, string>;
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
}

/** The series of a histogram family, checked as Prometheus' histogram_quantile expects them. */
export function histogramSeries(family: PromFamily): HistogramSeries[] {
  const byLabels = new Map<string, HistogramSeries>();
  const entry = (labels: Record<string, string>) => {
    const key = seriesKey(labels, ['le']);
    let series = byLabels.get(key);
    if (!series) {
      const { le: _le, ...rest } = labels;
      series = { labels: rest, buckets: [], sum: NaN, count: NaN };
      byLabels.set(key, series);
    }
    return series;
  };
  for (const sample of family.samples) {
    const series = entry(sample.labels);
    if (sample.name === `${family.name}_bucket`) {
      series.buckets.push({ le: parseValue(sample.labels.le, sample.labels.le), count: sample.value });
    } else if (sample.name === `${family.name}_sum`) {
      series.sum = sample.value;
    } else if (sample.name === `${family.name}_count`) {
      series.count = sample.value;
    }
  }
  return [...byLabels.values()];
}

/** Per-series increase between two scrapes of a counter (no resets expected), divided by seconds: rate(). */
export function rate(before: PromFamily, after: PromFamily, seconds: number): Map<string, number> {
  const earlier = new Map(before.samples.map((s) => [seriesKey(s.labels), s.value]));
  return new Map(
    after.samples
      .filter((s) => earlier.has(seriesKey(s.labels)))
      .map((s) => [seriesKey(s.labels), (s.value - earlier.get(seriesKey(s.labels))!) / seconds])
  );
}

/**
 * Prometheus' histogram_quantile over cumulative bucket counts (e.g. the increases of a rate window): linear
 * interpolation inside the bucket holding the rank; a rank in the +Inf bucket gives the highest finite bound.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): number {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]?.count ?? 0;
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Infinity || total === 0) {
    return NaN;
  }
  const rank = q * total;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  if (sorted[index].le === Infinity) {
    return sorted[sorted.length - 2].le;
  }
  const start = index === 0 ? 0 : sorted[index - 1].le;
  const below = index === 0 ? 0 : sorted[index - 1].count;
  const inBucket = sorted[index].count - below;
  if (index === 0 && sorted[0].le <= 0) {
    return sorted[0].le;
  }
  return start + (sorted[index].le - start) * ((rank - below) / inBucket);
}

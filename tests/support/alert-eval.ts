/**
 * A small model of Grafana-managed alert evaluation, for rules provisioned from
 * provisioning/alerting: data source frames become alert values the way Grafana's server-side
 * expressions read them (pkg/expr converter, dataplane kinds), then reduce / math / threshold run
 * with Grafana's semantics (pkg/expr/mathexp reduce.go, threshold.go), and a state tracker applies
 * `for`, noDataState and execErrState per alert instance (one per label set).
 */
import type { Frame } from '../../src/backend/grafana/frames';

export type Labels = Record<string, string>;

/** A reduced value: Grafana's mathexp.Number (null is Grafana's nil). */
export interface NumberValue {
  kind: 'number';
  labels: Labels;
  value: number | null;
}

/** A time series: Grafana's mathexp.Series. */
export interface SeriesValue {
  kind: 'series';
  labels: Labels;
  points: Array<{ time: number; value: number | null }>;
}

export type AlertValue = NumberValue | SeriesValue;

/** What one refId evaluates to. */
export type Outcome =
  { kind: 'nodata' } | { kind: 'error'; message: string } | { kind: 'values'; values: AlertValue[] };

/** The part of a provisioned rule the evaluator needs. */
export interface RuleDefinition {
  uid: string;
  condition: string;
  for: string;
  noDataState: 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
  execErrState: 'Error' | 'Alerting' | 'OK' | 'KeepLast';
  data: Array<{
    refId: string;
    datasourceUid: string;
    relativeTimeRange?: { from: number; to: number };
    model: Record<string, any>;
  }>;
}

export const EXPRESSION_UID = '__expr__';

// ---------------------------------------------------------------------------------------------------
// Frames → values

function numericFields(frame: Frame) {
  return frame.fields.filter((field) => field.type === 'number');
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) {
    return null;
  }
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function toMillis(value: unknown): number {
  if (value instanceof Date) {
    return value.getTime();
  }
  return typeof value === 'bigint' ? Number(value / 1_000_000n) : Number(value);
}

function seriesOf(frame: Frame): SeriesValue[] {
  const time = frame.fields.find((field) => field.type === 'time');
  if (!time) {
    throw new Error(`frame "${frame.name ?? ''}" has no time field: input data must be a wide series`);
  }
  return numericFields(frame).map((field) => ({
    kind: 'series',
    labels: { ...(field.labels ?? {}) },
    points: field.values.map((value, row) => ({ time: toMillis(time.values[row]), value: toNumber(value) })),
  }));
}

/** Reads a query's frames the way Grafana's expression engine does (facts sheet §6). */
export function framesToOutcome(frames: readonly Frame[]): Outcome {
  if (frames.length === 0 || frames[0].fields.length === 0) {
    return { kind: 'nodata' };
  }
  const meta = frames[0].meta;
  const dataplane = meta?.type !== undefined && (meta.typeVersion ?? [0, 0]).some((part) => part !== 0);
  try {
    if (dataplane) {
      return { kind: 'values', values: dataplaneValues(meta!.type as string, frames) };
    }
    return { kind: 'values', values: legacyValues(frames) };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

function dataplaneValues(type: string, frames: readonly Frame[]): AlertValue[] {
  switch (type) {
    case 'timeseries-multi':
    case 'timeseries-wide':
      return frames.filter((frame) => frame.fields.length > 0).flatMap(seriesOf);
    case 'numeric-multi':
    case 'numeric-wide':
      return frames.flatMap((frame) =>
        numericFields(frame).map((field): NumberValue => {
          if (field.values.length > 1) {
            throw new Error(`${type} frame "${frame.name ?? ''}" has ${field.values.length} rows, at most 1 allowed`);
          }
          return { kind: 'number', labels: { ...(field.labels ?? {}) }, value: toNumber(field.values[0]) };
        })
      );
    case 'numeric-long':
      return numberSet(frames[0]);
    default:
      throw new Error(`unsupported data type ${type}`);
  }
}

/** One frame, exactly one number column, otherwise strings: one value per row, strings as labels. */
function numberSet(frame: Frame): NumberValue[] {
  const numbers = numericFields(frame);
  const strings = frame.fields.filter((field) => field.type === 'string');
  if (numbers.length !== 1 || numbers.length + strings.length !== frame.fields.length) {
    throw new Error('input data must be a wide series but got type long');
  }
  return numbers[0].values.map((value, row) => ({
    kind: 'number',
    labels: Object.fromEntries(strings.map((field) => [field.name, String(field.values[row] ?? '')])),
    value: toNumber(value),
  }));
}

function legacyValues(frames: readonly Frame[]): AlertValue[] {
  const isTimeSeries = (frame: Frame) => frame.fields.some((field) => field.type === 'time');
  if (frames.length === 1 && !isTimeSeries(frames[0])) {
    return numberSet(frames[0]);
  }
  return frames.flatMap(seriesOf);
}

// ---------------------------------------------------------------------------------------------------
// Expressions

export type Reducer = 'last' | 'mean' | 'min' | 'max' | 'sum' | 'count' | 'median';
export type ReduceMode = { mode: 'dropNN' } | { mode: 'replaceNN'; replaceWithValue: number } | undefined;

const isNonNumber = (value: number | null): boolean => value === null || !Number.isFinite(value);

/** Grafana's ReduceMapper: dropNN drops null/NaN/±Inf, replaceNN replaces them; undefined keeps all. */
function mapValue(value: number | null, settings: ReduceMode): { keep: boolean; value: number | null } {
  if (!settings || !isNonNumber(value)) {
    return { keep: true, value };
  }
  return settings.mode === 'dropNN' ? { keep: false, value } : { keep: true, value: settings.replaceWithValue };
}

/** mathexp reducers: a null or NaN input makes sum/mean/min/max NaN; empty input is NaN except sum (0) and count. */
export function reduceValues(reducer: Reducer, values: ReadonlyArray<number | null>): number {
  const hasNaN = values.some((value) => value === null || Number.isNaN(value));
  const numbers = values.map((value) => (value === null ? NaN : value));
  switch (reducer) {
    case 'count':
      return values.length;
    case 'sum':
      return hasNaN ? NaN : numbers.reduce((sum, value) => sum + value, 0);
    case 'mean':
      return hasNaN || values.length === 0 ? NaN : numbers.reduce((sum, value) => sum + value, 0) / values.length;
    case 'min':
      return hasNaN || values.length === 0 ? NaN : Math.min(...numbers);
    case 'max':
      return hasNaN || values.length === 0 ? NaN : Math.max(...numbers);
    case 'last':
      return values.length === 0 ? NaN : numbers[numbers.length - 1];
    case 'median': {
      if (hasNaN || values.length === 0) {
        return NaN;
      }
      const sorted = [...numbers].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
  }
}

export function reduce(input: Outcome, reducer: Reducer, settings: ReduceMode): Outcome {
  if (input.kind !== 'values') {
    return input;
  }
  const values: NumberValue[] = [];
  for (const item of input.values) {
    if (item.kind === 'number') {
      // Reducing a number is a no-op, apart from the mapper (which may drop it).
      const mapped = mapValue(item.value, settings);
      if (mapped.keep) {
        values.push({ kind: 'number', labels: item.labels, value: mapped.value });
      }
      continue;
    }
    const kept = item.points.map((point) => mapValue(point.value, settings)).filter((mapped) => mapped.keep);
    values.push({
      kind: 'number',
      labels: item.labels,
      value: reduceValues(
        reducer,
        kept.map((mapped) => mapped.value)
      ),
    });
  }
  return { kind: 'values', values };
}

export type ThresholdType = 'gt' | 'lt' | 'eq' | 'ne' | 'gte' | 'lte' | 'within_range' | 'outside_range';

export function thresholdPredicate(type: ThresholdType, params: readonly number[]): (value: number) => boolean {
  const [a, b] = params;
  switch (type) {
    case 'gt':
      return (v) => v > a;
    case 'lt':
      return (v) => v < a;
    case 'eq':
      return (v) => v === a;
    case 'ne':
      return (v) => v !== a;
    case 'gte':
      return (v) => v >= a;
    case 'lte':
      return (v) => v <= a;
    case 'within_range':
      return (v) => v > a && v < b;
    case 'outside_range':
      return (v) => v < a || v > b;
  }
}

/** 1 where the predicate holds, 0 where not (NaN compares false), nil stays nil. */
export function threshold(input: Outcome, type: ThresholdType, params: readonly number[]): Outcome {
  if (input.kind !== 'values') {
    return input;
  }
  const predicate = thresholdPredicate(type, params);
  const evaluate = (value: number | null) => (value === null ? null : predicate(value) ? 1 : 0);
  return {
    kind: 'values',
    values: input.values.map((item): AlertValue =>
      item.kind === 'number'
        ? { ...item, value: evaluate(item.value) }
        : { ...item, points: item.points.map((point) => ({ time: point.time, value: evaluate(point.value) })) }
    ),
  };
}

// Math: numbers, $refs, unary minus, * / + -, comparisons, && ||, parentheses.
type Token = { kind: 'number'; value: number } | { kind: 'ref'; name: string } | { kind: 'op'; op: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)|(&&|\|\||[<>=!]=|[-+*/()<>!]))/gy;
  let match: RegExpExecArray | null;
  let position = 0;
  while (position < expression.length && (match = pattern.exec(expression))) {
    position = pattern.lastIndex;
    if (match[1] !== undefined) {
      tokens.push({ kind: 'number', value: Number(match[1]) });
    } else if (match[2] !== undefined || match[3] !== undefined) {
      tokens.push({ kind: 'ref', name: match[2] ?? match[3] });
    } else {
      tokens.push({ kind: 'op', op: match[4] });
    }
  }
  if (expression.slice(position).trim() !== '') {
    throw new Error(`cannot parse math expression at "${expression.slice(position)}"`);
  }
  return tokens;
}

/** A math operand: a scalar, or numbers with labels. */
type Operand = { scalar: number | null } | { numbers: NumberValue[] };

const PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 3,
  '>': 3,
  '<=': 3,
  '>=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
};

function applyOperator(op: string, a: number | null, b: number | null): number | null {
  if (a === null || b === null) {
    return null;
  }
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '&&':
      return a !== 0 && b !== 0 ? 1 : 0;
    case '||':
      return a !== 0 || b !== 0 ? 1 : 0;
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

const isSubset = (small: Labels, big: Labels) => Object.entries(small).every(([key, value]) => big[key] === value);

/** Grafana's union: pairs whose label sets are equal or one contains the other. */
function combine(op: string, left: Operand, right: Operand): Operand {
  if ('scalar' in left && 'scalar' in right) {
    return { scalar: applyOperator(op, left.scalar, right.scalar) };
  }
  if ('scalar' in left) {
    return {
      numbers: (right as { numbers: NumberValue[] }).numbers.map((n) => ({
        ...n,
        value: applyOperator(op, left.scalar, n.value),
      })),
    };
  }
  if ('scalar' in right) {
    return { numbers: left.numbers.map((n) => ({ ...n, value: applyOperator(op, n.value, right.scalar) })) };
  }
  const numbers: NumberValue[] = [];
  for (const a of left.numbers) {
    for (const b of right.numbers) {
      if (isSubset(a.labels, b.labels) || isSubset(b.labels, a.labels)) {
        const labels = Object.keys(a.labels).length >= Object.keys(b.labels).length ? a.labels : b.labels;
        numbers.push({ kind: 'number', labels, value: applyOperator(op, a.value, b.value) });
      }
    }
  }
  return { numbers };
}

export function math(expression: string, vars: Record<string, Outcome>): Outcome {
  const tokens = tokenize(expression);
  let index = 0;
  const operandOf = (name: string): Operand => {
    const outcome = vars[name];
    if (!outcome) {
      throw new Error(`math expression refers to unknown refId ${name}`);
    }
    if (outcome.kind !== 'values') {
      throw Object.assign(new Error(name), { outcome });
    }
    if (outcome.values.some((value) => value.kind !== 'number')) {
      throw new Error(`math over series is not modelled here (refId ${name})`);
    }
    return { numbers: outcome.values as NumberValue[] };
  };
  const primary = (): Operand => {
    const token = tokens[index++];
    if (!token) {
      throw new Error(`math expression "${expression}" ends early`);
    }
    if (token.kind === 'number') {
      return { scalar: token.value };
    }
    if (token.kind === 'ref') {
      return operandOf(token.name);
    }
    if (token.op === '(') {
      const inner = binary(0);
      if ((tokens[index++] as { op?: string } | undefined)?.op !== ')') {
        throw new Error(`math expression "${expression}" misses ")"`);
      }
      return inner;
    }
    if (token.op === '-') {
      return combine('-', { scalar: 0 }, primary());
    }
    if (token.op === '!') {
      return combine('==', primary(), { scalar: 0 });
    }
    throw new Error(`unexpected "${token.op}" in math expression "${expression}"`);
  };
  const binary = (minPrecedence: number): Operand => {
    let left = primary();
    for (;;) {
      const token = tokens[index];
      const precedence = token?.kind === 'op' ? PRECEDENCE[token.op] : undefined;
      if (precedence === undefined || precedence < minPrecedence) {
        return left;
      }
      index++;
      left = combine((token as { op: string }).op, left, binary(precedence + 1));
    }
  };
  try {
    const result = binary(0);
    if (index !== tokens.length) {
      throw new Error(`unexpected input after position ${index} in "${expression}"`);
    }
    return 'scalar' in result
      ? { kind: 'values', values: [{ kind: 'number', labels: {}, value: result.scalar }] }
      : { kind: 'values', values: result.numbers };
  } catch (error) {
    const passed = (error as { outcome?: Outcome }).outcome;
    if (passed) {
      return passed;
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rules

/** Runs a rule's expressions over its query outcomes (keyed by refId) and returns every refId's outcome. */
export function evaluateRule(rule: RuleDefinition, queries: Record<string, Outcome>): Record<string, Outcome> {
  const results: Record<string, Outcome> = {};
  for (const entry of rule.data) {
    if (entry.datasourceUid !== EXPRESSION_UID) {
      const outcome = queries[entry.refId];
      if (!outcome) {
        throw new Error(`${rule.uid}: no result for query ${entry.refId}`);
      }
      results[entry.refId] = outcome;
      continue;
    }
    const model = entry.model;
    const input = (name: string): Outcome => {
      const outcome = results[name.replace(/^\$/, '')];
      if (!outcome) {
        throw new Error(`${rule.uid}: ${entry.refId} refers to ${name}, which is not evaluated before it`);
      }
      return outcome;
    };
    switch (model.type) {
      case 'reduce':
        results[entry.refId] = reduce(input(model.expression), model.reducer, model.settings);
        break;
      case 'threshold': {
        const evaluator = model.conditions[0].evaluator;
        results[entry.refId] = threshold(input(model.expression), evaluator.type, evaluator.params);
        break;
      }
      case 'math':
        results[entry.refId] = math(model.expression, results);
        break;
      default:
        throw new Error(`${rule.uid}: expression type ${model.type} is not modelled`);
    }
  }
  return results;
}

export type AlertState = 'Normal' | 'Pending' | 'Alerting' | 'NoData' | 'Error';

export interface InstanceState {
  labels: Labels;
  state: AlertState;
  /** When the current condition (true / no data / error) started, in ms. */
  since: number;
  /** The value of each refId for this instance at the last evaluation. */
  values: Record<string, number | null>;
}

export function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!match) {
    throw new Error(`"${text}" is not a duration`);
  }
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

const labelKey = (labels: Labels) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((key) => [key, labels[key]])
  );

/**
 * Alert instances of one rule across evaluations: Normal → Pending while the condition holds for
 * less than `for`, Alerting after; back to Normal when it stops holding or the instance disappears.
 * No data and errors follow noDataState / execErrState (KeepLast keeps every instance as it was).
 */
export class RuleStateTracker {
  readonly instances = new Map<string, InstanceState>();
  private readonly forMs: number;

  constructor(readonly rule: RuleDefinition) {
    this.forMs = durationMs(rule.for);
  }

  /** Applies one evaluation at time `now` (ms) of the rule over its query outcomes. */
  evaluate(now: number, queries: Record<string, Outcome>): InstanceState[] {
    const results = evaluateRule(this.rule, queries);
    const condition = results[this.rule.condition];
    if (condition.kind === 'values' && condition.values.length > 0) {
      this.applyValues(now, condition.values as NumberValue[], results);
    } else {
      // No value left (no frames, or every value dropped by dropNN) is no data.
      const failed = condition.kind === 'error';
      this.applySpecial(now, failed ? this.rule.execErrState : this.rule.noDataState, failed ? 'Error' : 'NoData');
    }
    return [...this.instances.values()];
  }

  private applyValues(now: number, conditions: NumberValue[], results: Record<string, Outcome>): void {
    const seen = new Set<string>();
    for (const item of conditions) {
      const key = labelKey(item.labels);
      seen.add(key);
      const values = Object.fromEntries(
        Object.entries(results).map(([refId, outcome]) => [refId, valueFor(outcome, item.labels)])
      );
      const firing = item.value !== null && item.value !== 0;
      this.transition(key, item.labels, now, item.value === null ? 'nodata' : firing ? 'true' : 'false', values);
    }
    for (const [key, instance] of this.instances) {
      if (!seen.has(key)) {
        // A series that is gone resolves (Grafana marks it stale).
        this.instances.set(key, { ...instance, state: 'Normal', since: now });
      }
    }
  }

  private applySpecial(now: number, configured: string, kind: 'NoData' | 'Error'): void {
    if (configured === 'KeepLast') {
      return;
    }
    const ruleLabels: Labels = {};
    if (configured === 'OK') {
      for (const [key, instance] of this.instances) {
        this.instances.set(key, { ...instance, state: 'Normal', since: now });
      }
      return;
    }
    // Alerting / NoData / Error: one instance with the rule's labels only (Grafana's DatasourceNoData/Error).
    const key = labelKey(ruleLabels);
    for (const [other, instance] of this.instances) {
      if (other !== key) {
        this.instances.set(other, { ...instance, state: 'Normal', since: now });
      }
    }
    if (configured === 'Alerting') {
      this.transition(key, ruleLabels, now, 'true', {});
    } else {
      this.instances.set(key, { labels: ruleLabels, state: kind, since: now, values: {} });
    }
  }

  private transition(
    key: string,
    labels: Labels,
    now: number,
    condition: 'true' | 'false' | 'nodata',
    values: Record<string, number | null>
  ): void {
    const previous = this.instances.get(key);
    if (condition !== 'true') {
      this.instances.set(key, { labels, state: condition === 'nodata' ? 'NoData' : 'Normal', since: now, values });
      return;
    }
    const active = previous && (previous.state === 'Pending' || previous.state === 'Alerting');
    const since = active ? previous.since : now;
    const state: AlertState = now - since >= this.forMs ? 'Alerting' : 'Pending';
    this.instances.set(key, { labels, state, since, values });
  }
}

function valueFor(outcome: Outcome, labels: Labels): number | null {
  if (outcome.kind !== 'values') {
    return null;
  }
  const match = outcome.values.find(
    (value): value is NumberValue =>
      value.kind === 'number' && (isSubset(value.labels, labels) || isSubset(labels, value.labels))
  );
  return match ? match.value : null;
}

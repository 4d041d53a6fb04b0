/**
 * A small model of Grafana-managed alert evaluation, for rules provisioned from
 * provisioning/alerting: data source frames become alert values the way Grafana's server-side
 * expressions read them (pkg/expr converter, dataplane kinds), then reduce / math / threshold run
 * with Grafana's semantics (pkg/expr/mathexp reduce.go, threshold.go), a state tracker applies
 * `for`, noDataState, execErrState and missing series per alert instance (one per label set), and an
 * Alertmanager model turns the alerts sent into notifications (grouping, waits, repeat, resolved).
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

/** The part of a provisioned rule (file format) the evaluator needs. */
export interface RuleDefinition {
  uid: string;
  title?: string;
  condition: string;
  for: string;
  noDataState: 'NoData' | 'Alerting' | 'OK' | 'KeepLast';
  execErrState: 'Error' | 'Alerting' | 'OK' | 'KeepLast';
  missing_series_evals_to_resolve?: number;
  labels?: Labels;
  notification_settings?: {
    receiver: string;
    group_by?: string[];
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
  };
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
  /** Why: '' for a plain result, 'NoData' / 'Error' when the state came from those results, 'MissingSeries'. */
  reason: string;
  /** When the current state started, in ms. */
  since: number;
  lastEvaluation: number;
  /** Set on the evaluation that resolved a firing (Alerting, NoData, Error) instance: a resolved notification. */
  resolvedAt?: number;
  /** The firing state it was last in: a resolved alert is sent under the name it fired with. */
  firedAs?: AlertState;
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

export const labelKey = (labels: Labels) =>
  JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((key) => [key, labels[key]])
  );

/** Missing evaluations before a missing series resolves, unless the rule says (ngalert models: default 2). */
const DEFAULT_MISSING_SERIES_EVALS = 2;
/** Grafana resends firing alerts to its Alertmanager at least this often (ngalert state ResendDelay). */
export const RESEND_DELAY_MS = 30_000;

type Result = { labels: Labels; kind: 'true' | 'false' | 'nodata' | 'error'; values: Record<string, number | null> };

/**
 * Alert instances of one rule across evaluations, as Grafana's state manager keeps them
 * (pkg/services/ngalert/state/manager.go setNextStateForRule and processMissingSeriesStates, state.go):
 * - a result per label set: Normal; Pending while true for less than `for`, then Alerting.
 * - the whole evaluation no data or an error: with noDataState / execErrState Alerting, OK or KeepLast it
 *   applies to every existing instance (KeepLast keeps them as they were); otherwise, or when the rule has
 *   no instance yet, one instance with the rule's labels only becomes NoData / Error (or Alerting / Normal).
 * - an instance missing from an evaluation stays as it is (an Alerting one keeps firing) until it has been
 *   missing for `missing_series_evals_to_resolve` intervals (default 2; 1 for NoData and Error instances),
 *   then resolves (reason MissingSeries) and is dropped.
 * Firing instances (Alerting, NoData, Error) resolve with a resolved notification.
 */
export class RuleStateTracker {
  readonly instances = new Map<string, InstanceState>();
  private readonly forMs: number;
  private readonly intervalMs: number;
  private readonly missingEvals: number;

  constructor(
    readonly rule: RuleDefinition,
    intervalSeconds = 60
  ) {
    this.forMs = durationMs(rule.for);
    this.intervalMs = intervalSeconds * 1000;
    this.missingEvals = rule.missing_series_evals_to_resolve ?? DEFAULT_MISSING_SERIES_EVALS;
  }

  /** Applies one evaluation at time `now` (ms) of the rule over its query outcomes. */
  evaluate(now: number, queries: Record<string, Outcome>): InstanceState[] {
    for (const instance of this.instances.values()) {
      delete instance.resolvedAt;
    }
    const results = evaluateRule(this.rule, queries);
    const condition = results[this.rule.condition];
    let evaluated: Result[];
    if (condition.kind === 'values' && condition.values.length > 0) {
      evaluated = (condition.values as NumberValue[]).map((item) => ({
        labels: item.labels,
        kind: item.value === null ? 'nodata' : item.value !== 0 ? 'true' : 'false',
        values: Object.fromEntries(
          Object.entries(results).map(([refId, outcome]) => [refId, valueFor(outcome, item.labels)])
        ),
      }));
    } else {
      // No value left (no frames, or every value dropped by dropNN) is no data.
      evaluated = [{ labels: {}, kind: condition.kind === 'error' ? 'error' : 'nodata', values: {} }];
    }
    const whole = evaluated.length === 1 && (evaluated[0].kind === 'nodata' || evaluated[0].kind === 'error');
    const setting = whole ? (evaluated[0].kind === 'error' ? this.rule.execErrState : this.rule.noDataState) : '';
    if (whole && ['Alerting', 'OK', 'KeepLast'].includes(setting) && this.instances.size > 0) {
      for (const instance of this.instances.values()) {
        this.transition(instance, evaluated[0], now);
      }
    } else {
      for (const result of evaluated) {
        const key = labelKey(result.labels);
        const instance = this.instances.get(key) ?? {
          labels: result.labels,
          state: 'Normal' as AlertState,
          reason: '',
          since: now,
          lastEvaluation: now,
          values: {},
        };
        this.instances.set(key, instance);
        this.transition(instance, result, now);
      }
    }
    this.resolveMissing(now);
    return [...this.instances.values()];
  }

  private transition(instance: InstanceState, result: Result, now: number): void {
    const previous = instance.state;
    instance.lastEvaluation = now;
    if (result.kind === 'true' || result.kind === 'false') {
      instance.values = result.values;
    }
    const set = (state: AlertState, reason: string) => {
      if (instance.state !== state || instance.reason !== reason) {
        instance.since = now;
      }
      instance.state = state;
      instance.reason = reason;
    };
    const alerting = (reason: string) => {
      const same = instance.reason === reason;
      if (instance.state === 'Alerting' && same) {
        return;
      }
      if (instance.state === 'Pending' && same) {
        if (now - instance.since >= this.forMs) {
          set('Alerting', reason);
        }
        return;
      }
      set(this.forMs > 0 ? 'Pending' : 'Alerting', reason);
    };
    switch (result.kind) {
      case 'true':
        alerting('');
        break;
      case 'false':
        set('Normal', '');
        break;
      case 'nodata':
      case 'error': {
        const configured = result.kind === 'error' ? this.rule.execErrState : this.rule.noDataState;
        const reason = result.kind === 'error' ? 'Error' : 'NoData';
        if (configured === 'KeepLast') {
          if (instance.state === 'Pending' || instance.state === 'Normal') {
            instance.reason = `${reason}, KeepLast`;
          }
        } else if (configured === 'Alerting') {
          alerting(reason);
        } else if (configured === 'OK') {
          set('Normal', reason);
        } else {
          set(result.kind === 'error' ? 'Error' : 'NoData', reason);
        }
        break;
      }
    }
    if (isFiring(previous) && instance.state === 'Normal') {
      instance.resolvedAt = now;
    }
    if (isFiring(instance.state)) {
      instance.firedAs = instance.state;
    }
  }

  private resolveMissing(now: number): void {
    for (const [key, instance] of this.instances) {
      if (instance.lastEvaluation === now) {
        continue;
      }
      const evals = instance.state === 'Error' || instance.state === 'NoData' ? 1 : this.missingEvals;
      if (now - instance.lastEvaluation >= evals * this.intervalMs) {
        const wasFiring = isFiring(instance.state);
        Object.assign(instance, { state: 'Normal', reason: 'MissingSeries', since: now, lastEvaluation: now });
        if (wasFiring) {
          instance.resolvedAt = now;
        }
        // Dropped from the cache; the resolved notification still goes out this once.
        this.instances.delete(key);
        this.staleResolved.push(instance);
      }
    }
  }

  /** Instances resolved as stale by the last evaluation (no longer in `instances`). */
  staleResolved: InstanceState[] = [];

  /**
   * What this evaluation sends to the Alertmanager (ngalert state NeedsSending; schedule compat
   * stateToPostableAlert): every firing instance (each evaluation: the interval is above the resend
   * delay) and each one just resolved. NoData and Error instances are named DatasourceNoData and
   * DatasourceError with the rule's title as `rulename`. EndsAt is 3 × max(interval, resend delay) ahead.
   */
  postableAlerts(now: number, extraLabels: Labels): PostableAlert[] {
    const resolved = this.staleResolved.splice(0);
    const alerts: PostableAlert[] = [];
    for (const instance of [...this.instances.values(), ...resolved]) {
      if (!isFiring(instance.state) && instance.resolvedAt !== now) {
        continue;
      }
      const labels: Labels = { ...instance.labels, ...(this.rule.labels ?? {}), ...extraLabels };
      const title = this.rule.title ?? this.rule.uid;
      labels.alertname = title;
      const named = isFiring(instance.state) ? instance.state : instance.firedAs;
      if (named === 'Error' || named === 'NoData') {
        labels.alertname = named === 'Error' ? 'DatasourceError' : 'DatasourceNoData';
        labels.rulename = title;
      }
      const endsAt = isFiring(instance.state) ? now + 3 * Math.max(this.intervalMs, RESEND_DELAY_MS) : now;
      alerts.push({ labels, startsAt: instance.since, endsAt, rule: this.rule });
    }
    return alerts;
  }
}

const isFiring = (state: AlertState) => state === 'Alerting' || state === 'NoData' || state === 'Error';

// ---------------------------------------------------------------------------------------------------
// Notifications

export interface PostableAlert {
  labels: Labels;
  startsAt: number;
  /** The alert is resolved once this time has passed (Alertmanager types.Alert.Resolved). */
  endsAt: number;
  /** Whose notification_settings route it (simplified routing: one autogenerated route per settings). */
  rule: RuleDefinition;
}

export interface Notification {
  time: number;
  receiver: string;
  groupLabels: Labels;
  firing: Labels[];
  resolved: Labels[];
}

interface Route {
  receiver: string;
  groupBy: string[];
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
}

interface Group {
  route: Route;
  labels: Labels;
  alerts: Map<string, { labels: Labels; startsAt: number; endsAt: number }>;
  nextFlush: number;
  flushed: boolean;
}

/**
 * The part of Grafana's embedded Alertmanager that decides when a message goes out
 * (prometheus/alertmanager dispatch/dispatch.go aggregation groups, notify/notify.go DedupStage and
 * RetryStage): alerts are grouped per route by the route's group_by labels; a new group flushes after
 * group_wait, then every group_interval. A flush notifies when the group has firing alerts the
 * notification log has not seen for it, when all its alerts resolved after a notification, when new
 * resolved ones appear and the receiver sends resolved messages, or when repeat_interval has passed
 * since the last notification. A receiver that does not send resolved messages (disableResolveMessage)
 * gets no message for them, but the log records them. Resolved alerts leave the group after a flush; an
 * empty group is removed. The notification log outlives a restart; groups and alerts do not.
 */
export class AlertmanagerModel {
  readonly notifications: Notification[] = [];
  private readonly groups = new Map<string, Group>();
  private readonly log = new Map<string, { firing: Set<string>; resolved: Set<string>; time: number }>();

  /** `sendResolved[receiver]`: false when the contact point's integrations disable resolve messages. */
  constructor(private readonly sendResolved: Record<string, boolean>) {}

  private route(rule: RuleDefinition): Route {
    const settings = rule.notification_settings;
    if (!settings) {
      throw new Error(`${rule.uid} has no notification_settings: only simplified routing is modelled`);
    }
    return {
      receiver: settings.receiver,
      groupBy: settings.group_by ?? ['grafana_folder', 'alertname'],
      groupWait: durationMs(settings.group_wait ?? '30s'),
      groupInterval: durationMs(settings.group_interval ?? '5m'),
      repeatInterval: durationMs(settings.repeat_interval ?? '4h'),
    };
  }

  /** Grafana sends these alerts at `now`; flushes due before then run first. */
  receive(alerts: readonly PostableAlert[], now: number): void {
    this.advance(now);
    for (const alert of alerts) {
      const route = this.route(alert.rule);
      const groupLabels = Object.fromEntries(
        route.groupBy.filter((name) => alert.labels[name] !== undefined).map((name) => [name, alert.labels[name]])
      );
      const key = `${labelKey({ receiver: route.receiver, settings: JSON.stringify(route) })}|${labelKey(groupLabels)}`;
      let group = this.groups.get(key);
      if (!group) {
        group = { route, labels: groupLabels, alerts: new Map(), nextFlush: now + route.groupWait, flushed: false };
        this.groups.set(key, group);
      }
      group.alerts.set(labelKey(alert.labels), {
        labels: alert.labels,
        startsAt: alert.startsAt,
        endsAt: alert.endsAt,
      });
      // An alert older than group_wait flushes a group that has not flushed yet at once.
      if (!group.flushed && alert.startsAt + route.groupWait < now) {
        group.nextFlush = Math.min(group.nextFlush, now);
      }
    }
    this.advance(now);
  }

  /** Runs every flush due up to `to` (ms), in time order. */
  advance(to: number): void {
    for (;;) {
      let next: [string, Group] | undefined;
      for (const entry of this.groups) {
        if (entry[1].nextFlush <= to && (!next || entry[1].nextFlush < next[1].nextFlush)) {
          next = entry;
        }
      }
      if (!next) {
        return;
      }
      this.flush(next[0], next[1]);
    }
  }

  /** Grafana restarted: in-memory alerts and groups are gone, the notification log is kept. */
  restart(): void {
    this.groups.clear();
  }

  private flush(key: string, group: Group): void {
    const now = group.nextFlush;
    group.flushed = true;
    const firing = new Map<string, Labels>();
    const resolved = new Map<string, Labels>();
    for (const [fingerprint, alert] of group.alerts) {
      (alert.endsAt <= now ? resolved : firing).set(fingerprint, alert.labels);
    }
    const sendResolved = this.sendResolved[group.route.receiver];
    if (sendResolved === undefined) {
      throw new Error(`no contact point ${group.route.receiver}`);
    }
    const entry = this.log.get(key);
    const subset = (small: Iterable<string>, big: Set<string>) => [...small].every((item) => big.has(item));
    const notify = !entry
      ? firing.size > 0
      : !subset(firing.keys(), entry.firing)
        ? true
        : firing.size === 0
          ? entry.firing.size > 0
          : sendResolved && !subset(resolved.keys(), entry.resolved)
            ? true
            : entry.time <= now - group.route.repeatInterval;
    if (notify) {
      const sentResolved = sendResolved ? [...resolved.values()] : [];
      if (firing.size > 0 || sentResolved.length > 0) {
        this.notifications.push({
          time: now,
          receiver: group.route.receiver,
          groupLabels: group.labels,
          firing: [...firing.values()],
          resolved: sentResolved,
        });
      }
      this.log.set(key, { firing: new Set(firing.keys()), resolved: new Set(resolved.keys()), time: now });
    }
    for (const fingerprint of resolved.keys()) {
      group.alerts.delete(fingerprint);
    }
    if (group.alerts.size === 0) {
      this.groups.delete(key);
    } else {
      group.nextFlush = now + group.route.groupInterval;
    }
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

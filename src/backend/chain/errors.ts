/** Why an RPC request failed. The pool fails over on the transient kinds; range kinds make getLogs split. */
export type RpcErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'rate_limited'
  | 'range_too_large'
  | 'too_many_results'
  | 'invalid_response'
  | 'rpc_error'
  | 'wrong_chain';

/** Kinds worth retrying on another endpoint (or the same one later). */
export const TRANSIENT_KINDS: ReadonlySet<RpcErrorKind> = new Set<RpcErrorKind>([
  'unreachable',
  'timeout',
  'rate_limited',
  'invalid_response',
]);

/** A block range the provider told us would work, or the widest span it accepts. */
export interface RangeHint {
  /** Provider-suggested [from, to] (Infura -32005 data, Alchemy "this block range should work: [0x…, 0x…]"). */
  suggestedRange?: { fromBlock: number; toBlock: number };
  /** Widest span (toBlock - fromBlock + 1) the provider accepts ("limited to a 10000 range"). */
  maxSpan?: number;
  /** Most logs the provider returns in one reply ("more than 10000 results", "a cap of 10K logs"). */
  maxResults?: number;
}

/**
 * A typed RPC failure. Messages name endpoints "RPC #1", "RPC #2" (1-based) and never contain URLs,
 * because RPC URLs carry API keys.
 */
export class RpcError extends Error {
  readonly kind: RpcErrorKind;
  /** JSON-RPC error code, or HTTP status for HTTP-level failures. */
  readonly code?: number;
  readonly retryAfterMs?: number;
  /** 0-based index of the endpoint that failed, when one did. */
  readonly endpoint?: number;
  readonly hint?: RangeHint;
  /** The JSON-RPC error's data (e.g. ABI-encoded revert data of an eth_call). */
  readonly data?: unknown;

  constructor(
    kind: RpcErrorKind,
    message: string,
    extra: { code?: number; retryAfterMs?: number; endpoint?: number; hint?: RangeHint; data?: unknown } = {}
  ) {
    super(message);
    this.name = 'RpcError';
    this.kind = kind;
    this.code = extra.code;
    this.retryAfterMs = extra.retryAfterMs;
    this.endpoint = extra.endpoint;
    this.hint = extra.hint;
    this.data = extra.data;
  }

  get transient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }
}

/**
 * The endpoint answered and refused this request (a revert, a range limit, an unknown method): another
 * endpoint would answer the same, so the pool does not fail over and a call's refusal is its answer.
 * Transient failures and an endpoint on the wrong chain are the endpoint's fault, not the request's.
 */
export function isRequestRefusal(error: unknown): error is RpcError {
  return error instanceof RpcError && !error.transient && error.kind !== 'wrong_chain';
}

/** "RPC #1" for endpoint index 0. */
export function endpointLabel(index: number): string {
  return `RPC #${index + 1}`;
}

const URL_PATTERN = /\b(?:https?|wss?):\/\/\S+/gi;

/** Provider messages may echo the request URL; keep them out of errors and logs. */
export function redactUrls(text: string): string {
  return text.replace(URL_PATTERN, '<url>');
}

export interface JsonRpcErrorObject {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

export interface Classification {
  kind: RpcErrorKind;
  hint?: RangeHint;
}

const RATE_LIMIT_PATTERNS = [
  /rate.?limit/i,
  /too many requests/i,
  /request count exceeded/i,
  /exceeded .*capacity/i,
  /compute units? per second/i,
  /throughput/i,
  /daily request/i,
  /credits? (?:limit|exceeded)/i,
];

const TOO_MANY_RESULTS_PATTERNS = [
  /more than \d[\d,]* results/i,
  /log response size exceeded/i,
  /response size (?:exceeded|is too large|should not)/i,
  /too many (?:results|logs)/i,
  /query returned more than/i,
  /logs? (?:limit|count) exceeded/i,
  /max(?:imum)? (?:results|logs)/i,
];

const RANGE_TOO_LARGE_PATTERNS = [
  /block range/i,
  /limited to (?:a )?[\d,]+k? (?:block )?range/i,
  /range (?:is )?too (?:large|wide|big)/i,
  /exceed(?:s|ed)? (?:the )?max(?:imum)? (?:block )?range/i,
  /max(?:imum)? (?:block )?range/i,
  /range limit/i,
  /\brange\b.*\bexceed/i,
  /limit exceeded/i,
  /query timeout exceeded/i,
];

/** Parses "10000", "10,000", "2K", "1k" into a number. */
function parseCount(text: string): number | undefined {
  const match = /^([\d,]+)\s*(k)?$/i.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const value = Number(match[1].replace(/,/g, '')) * (match[2] ? 1000 : 1);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

function parseBlockNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    return value;
  }
  if (typeof value === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(value.trim())) {
    const parsed = Number(value.trim());
    return Number.isSafeInteger(parsed) ? parsed : undefined;
  }
  return undefined;
}

function suggestedRangeFrom(from: unknown, to: unknown): RangeHint['suggestedRange'] {
  const fromBlock = parseBlockNumber(from);
  const toBlock = parseBlockNumber(to);
  return fromBlock !== undefined && toBlock !== undefined && toBlock >= fromBlock ? { fromBlock, toBlock } : undefined;
}

/** Extracts a suggested range or a span cap from a provider's range-limit error. */
export function parseRangeHint(message: string, data?: unknown): RangeHint {
  const hint: RangeHint = {};
  if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    hint.suggestedRange = suggestedRangeFrom(record.from ?? record.fromBlock, record.to ?? record.toBlock);
  }
  if (!hint.suggestedRange) {
    // "[0x1a, 0x2b]" (Infura, Alchemy) or "[100, 200]"
    const pair = /\[\s*(0x[0-9a-f]+|\d+)\s*,\s*(0x[0-9a-f]+|\d+)\s*\]/i.exec(message);
    if (pair) {
      hint.suggestedRange = suggestedRangeFrom(pair[1], pair[2]);
    }
  }
  const spanPatterns = [
    /limited to (?:a )?([\d,]+k?) (?:block )?range/i, // QuickNode "limited to a 10000 range", "limited to 5 range"
    /up to (?:a )?([\d,]+k?) block range/i, // Alchemy "up to a 2K block range"
    /max(?:imum)? (?:block )?range(?: is| of)?:?\s*([\d,]+k?)\b/i, // "exceed maximum block range: 5000"
    /max(?:imum)? is ([\d,]+k?) blocks/i, // "range is too large, max is 1k blocks"
    /range (?:should|must) (?:not exceed|be (?:less than|at most)) ([\d,]+k?)/i,
    /([\d,]+k?) blocks? (?:range )?(?:limit|max)/i,
  ];
  hint.maxSpan = firstCount(message, spanPatterns);
  hint.maxResults = firstCount(message, [
    /more than ([\d,]+k?) (?:results|logs)/i, // Infura, geth-based nodes: "query returned more than 10000 results"
    /cap of ([\d,]+k?) logs/i, // Alchemy "any block range with a cap of 10K logs"
    /max(?:imum)? (?:of )?([\d,]+k?) (?:results|logs)/i,
  ]);
  return hint;
}

/** The count captured by the first pattern that matches, parsed. */
function firstCount(message: string, patterns: RegExp[]): number | undefined {
  for (const pattern of patterns) {
    const match = pattern.exec(message);
    const count = match ? parseCount(match[1]) : undefined;
    if (count !== undefined) {
      return count;
    }
  }
  return undefined;
}

/** Methods whose errors can be range or result caps. */
const LOG_METHODS = new Set(['eth_getLogs', 'eth_newFilter', 'eth_getFilterLogs']);

/**
 * Classifies a JSON-RPC error object (any provider's shape) into a kind, with a range hint for range errors.
 * Reverts are always rpc_error (a revert reason such as "Block transaction limit exceeded" is no range cap), and
 * range kinds apply only to log queries when `method` is given.
 */
export function classifyRpcError(error: JsonRpcErrorObject, method?: string): Classification {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const message = typeof error.message === 'string' ? error.message : '';
  const dataText = typeof error.data === 'string' ? error.data : '';
  const text = `${message} ${dataText}`;
  if (code === 3 || /\brevert/i.test(message)) {
    return { kind: 'rpc_error' };
  }
  if (code === 429 || RATE_LIMIT_PATTERNS.some((p) => p.test(text))) {
    return { kind: 'rate_limited' };
  }
  if (method !== undefined && !LOG_METHODS.has(method)) {
    return { kind: 'rpc_error' };
  }
  if (TOO_MANY_RESULTS_PATTERNS.some((p) => p.test(text))) {
    return { kind: 'too_many_results', hint: parseRangeHint(text, error.data) };
  }
  if (RANGE_TOO_LARGE_PATTERNS.some((p) => p.test(text))) {
    return { kind: 'range_too_large', hint: parseRangeHint(text, error.data) };
  }
  // Infura's -32005 without a recognisable message is a limit of some kind: treat it as a result cap.
  if (code === -32005) {
    return { kind: 'too_many_results', hint: parseRangeHint(text, error.data) };
  }
  return { kind: 'rpc_error' };
}

/** Parses a Retry-After header (delta seconds or HTTP date) into milliseconds. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) {
    return undefined;
  }
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) {
    return Math.round(seconds * 1000);
  }
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

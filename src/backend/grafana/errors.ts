/** Who caused a failed query, as Grafana records it: the plugin itself or the system it reads from. */
export type ErrorSource = 'plugin' | 'downstream';

export interface QueryErrorOptions {
  /** HTTP-like status Grafana shows for the query (100..599). Default 400 for plugin, 502 for downstream. */
  status?: number;
  source?: ErrorSource;
  cause?: unknown;
}

/**
 * An error meant for the user: thrown from a data source's `query` (or `callResource`), its message ends up
 * in the query's `DataResponse.error` with the given status and error source. Any other thrown value is
 * reported as an internal plugin error (status 500).
 */
export class QueryError extends Error {
  readonly status: number;
  readonly source: ErrorSource;

  constructor(message: string, options: QueryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QueryError';
    this.source = options.source ?? 'plugin';
    this.status = validStatus(options.status) ?? (this.source === 'downstream' ? 502 : 400);
  }
}

function validStatus(status: number | undefined): number | undefined {
  return status !== undefined && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

export interface ErrorReport {
  message: string;
  status: number;
  source: ErrorSource;
}

// Shorter values would redact ordinary words; real keys and tokens are longer.
const MIN_SECRET_LENGTH = 6;

/** Replaces every occurrence of a secret (as is or URL-encoded) in text that leaves the plugin. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) {
      for (const form of new Set([secret, encodeURIComponent(secret)])) {
        redacted = redacted.split(form).join('[redacted]');
      }
    }
  }
  return redacted;
}

/**
 * How any thrown value is reported to Grafana (and logged). `secrets` — the data source's decrypted secure
 * values — are redacted from the message, so an error quoting an RPC URL with its key cannot leak it.
 */
export function toErrorReport(error: unknown, secrets: readonly string[] = []): ErrorReport {
  if (error instanceof QueryError) {
    return { message: redactSecrets(error.message, secrets), status: error.status, source: error.source };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: redactSecrets(`internal plugin error: ${message}`, secrets), status: 500, source: 'plugin' };
}

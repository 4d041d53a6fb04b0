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

/** How any thrown value is reported to Grafana. */
export function toErrorReport(error: unknown): ErrorReport {
  if (error instanceof QueryError) {
    return { message: error.message, status: error.status, source: error.source };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: `internal plugin error: ${message}`, status: 500, source: 'plugin' };
}

import { QueryError } from './errors';
import type { Frame } from './frames';

/** A data source's parsed query model: a union discriminated by `queryType`. */
export interface TypedQuery {
  queryType: string;
}

/** What a handler of query type `T` is given: the context, with the query narrowed to the union's member `T`. */
export type QueryTypeContext<Ctx extends { query: TypedQuery }, T extends string> = Ctx & {
  query: Extract<Ctx['query'], { queryType: T }>;
};

export type QueryTypeHandler<Ctx extends { query: TypedQuery }, T extends string, R> = (
  ctx: QueryTypeContext<Ctx, T>
) => Promise<R>;

/**
 * Dispatches a query to the handler registered for its `queryType` (the Go SDK's datasource.QueryTypeMux).
 * `Ctx` carries the parsed query (`query`, a union on `queryType`) and whatever else the handlers need; each
 * handler is typed by its member of the union. A type with no handler answers that query with an error.
 */
export class QueryTypeMux<Ctx extends { query: TypedQuery }, R = Frame[]> {
  private readonly handlers = new Map<string, (ctx: Ctx) => Promise<R>>();

  /** Registers the handler of one query type; a second registration of the same type is a programming error. */
  handle<T extends Ctx['query']['queryType']>(queryType: T, handler: QueryTypeHandler<Ctx, T, R>): this {
    if (this.handlers.has(queryType)) {
      throw new Error(`QueryTypeMux: multiple registrations for query type '${queryType}'`);
    }
    // The one cast: dispatch looks the handler up by ctx.query.queryType, so it only ever gets member T.
    this.handlers.set(queryType, handler as (ctx: Ctx) => Promise<R>);
    return this;
  }

  /** Runs the handler of `ctx.query.queryType`; throws a QueryError (that query's error) when there is none. */
  query(ctx: Ctx): Promise<R> {
    const queryType = ctx.query.queryType;
    const handler = this.handlers.get(queryType);
    if (!handler) {
      return Promise.reject(new QueryError(`no handler found for query type '${queryType}'`));
    }
    return handler(ctx);
  }
}

/** @jest-environment node */
import { QueryError } from './errors';
import { QueryTypeMux } from './querytypemux';

type ExampleQuery = { queryType: 'count'; upTo: number } | { queryType: 'greet'; name: string };
interface ExampleContext {
  query: ExampleQuery;
  prefix: string;
}

describe('QueryTypeMux', () => {
  const mux = new QueryTypeMux<ExampleContext, string>()
    // Each handler sees its member of the union: upTo exists only on count, name only on greet.
    .handle('count', async ({ query, prefix }) => `${prefix}${Array.from({ length: query.upTo }, (_, i) => i + 1)}`)
    .handle('greet', async ({ query, prefix }) => `${prefix}hello ${query.name}`);

  it('runs the handler registered for the query type, with the rest of the context', async () => {
    await expect(mux.query({ prefix: '> ', query: { queryType: 'count', upTo: 3 } })).resolves.toBe('> 1,2,3');
    await expect(mux.query({ prefix: '', query: { queryType: 'greet', name: 'ana' } })).resolves.toBe('hello ana');
  });

  it("answers a type without a handler with that query's plugin error", async () => {
    const partial = new QueryTypeMux<ExampleContext, string>().handle('count', async () => 'counted');
    const error = await partial.query({ prefix: '', query: { queryType: 'greet', name: 'ana' } }).catch((e) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect(error).toMatchObject({ message: "no handler found for query type 'greet'", source: 'plugin' });
  });

  it('refuses a second handler for the same type', () => {
    const once = new QueryTypeMux<ExampleContext, string>().handle('count', async () => 'a');
    expect(() => once.handle('count', async () => 'b')).toThrow("multiple registrations for query type 'count'");
  });

  it('types each handler by its member of the union (the @ts-expect-error lines are checked by tsc)', async () => {
    const typed = new QueryTypeMux<ExampleContext, string | undefined>();
    // @ts-expect-error: a count query has no name
    typed.handle('count', async ({ query }) => query.name);
    // What the compiler refused reads a field the query does not have.
    await expect(typed.query({ prefix: '', query: { queryType: 'count', upTo: 1 } })).resolves.toBeUndefined();
    // @ts-expect-error: not a query type of the union
    typed.handle('sum', async () => '');
  });
});

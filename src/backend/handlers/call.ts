import { QueryError, numberField, stringField, type Field, type Frame } from '../grafana';
import { checkCall, type AbiParam, type CallQuery } from '../../query';
import type { Deployment } from '../tesseract/deployment';
import { forEachDeployment, labelColumns, withNotices, type HandlerContext } from './common';

type Cell = number | string | null;

/** Converts one decoded output to a table cell: safe integers and bools as numbers, the rest as text. */
function cell(param: AbiParam, value: unknown): Cell {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  if (param.type.startsWith('tuple') || param.type.endsWith(']')) {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  return value === null || value === undefined ? null : String(value);
}

/** Typed arguments for one deployment's ABI, or a plugin error naming what is wrong. */
function argumentsFor(deployment: Deployment, query: CallQuery): { outputs: AbiParam[]; args: unknown[] } {
  const check = checkCall(query, deployment.contract.abi);
  if (!check.ok) {
    throw new QueryError(`${deployment.name}: ${check.messages.join('; ')}`);
  }
  return { outputs: check.fn.outputs ?? [], args: check.values };
}

const outputName = (param: AbiParam, index: number, count: number) =>
  param.name || (count === 1 ? 'value' : `output_${index}`);

/**
 * Runs a view function of the ABI on every selected deployment, at the head block (`latest`, one answer per
 * head) or at a given block. One table:
 * a row per deployment with chain / chain_id / contract / block as text and one column per output; a
 * single numeric output makes it a number set that alert rules read as one instance per deployment.
 */
export async function callQuery(ctx: HandlerContext<CallQuery>): Promise<Frame[]> {
  const query = ctx.query;
  const block = query.block === 'latest' ? undefined : Number(query.block);
  const { results, notices } = await forEachDeployment(ctx, async (deployment, read) => {
    const { outputs, args } = argumentsFor(deployment, query);
    const result = await deployment.call(query.functionName, args, block, read);
    return outputs.map((param, i) => ({ name: outputName(param, i, outputs.length), value: cell(param, result[i]) }));
  });
  const columns = new Map<string, Cell[]>();
  results.forEach(({ value }, row) => {
    for (const { name, value: v } of value) {
      const column = columns.get(name) ?? new Array<Cell>(results.length).fill(null);
      column[row] = v;
      columns.set(name, column);
    }
  });
  const outputFields: Field[] = [...columns].map(([name, values]) =>
    values.every((v) => v === null || typeof v === 'number')
      ? numberField(name, values as Array<number | null>, { nullable: true })
      : stringField(
          name,
          values.map((v) => (v === null ? null : String(v))),
          { nullable: true }
        )
  );
  const frame: Frame = {
    name: query.functionName,
    meta: { executedQueryString: `${query.functionName}(${query.args.join(', ')}) at ${query.block}` },
    fields: [
      ...labelColumns(results, (result) => result.deployment),
      stringField(
        'block',
        results.map(() => query.block)
      ),
      ...outputFields,
    ],
  };
  return withNotices([frame], notices, query.refId);
}

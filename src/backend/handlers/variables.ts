import { stringField, type Frame, type FrameNotice } from '../grafana';
import type { VariablesQuery } from '../../query';
import { recentValues } from '../tesseract/eventqueries';
import { shortHex } from '../tesseract/hex';
import { forEachDeployment, withNotices, type HandlerContext } from './common';

export interface VariableValue {
  text: string;
  value: string;
}

/** Distinct values in first-seen order, at most `limit`. */
function distinct(values: Iterable<string | null>, limit: number): string[] {
  const out = new Set<string>();
  for (const value of values) {
    if (out.size >= limit) {
      break;
    }
    if (value !== null && value !== '') {
      out.add(value);
    }
  }
  return [...out];
}

/**
 * Values for dashboard variables: deployment names, recent tx_ids (newest first), rollup addresses,
 * event names of the ABIs, failure reasons seen. Event-based kinds read the whole index.
 */
export async function variableValues(
  ctx: HandlerContext<VariablesQuery>
): Promise<{ values: VariableValue[]; notices: FrameNotice[] }> {
  const { variable, limit } = ctx.query;
  if (variable === 'deployments') {
    return { values: ctx.deployments.map((d) => ({ text: d.name, value: d.name })), notices: [] };
  }
  if (variable === 'eventNames') {
    const names = distinct(
      ctx.deployments.flatMap((d) => d.contract.eventNames()),
      limit
    );
    return { values: names.map((name) => ({ text: name, value: name })), notices: [] };
  }
  const { results, notices } = await forEachDeployment(ctx, async (deployment, read) => {
    return recentValues(await deployment.events(read), variable, limit);
  });
  const values = distinct(
    results.flatMap((result) => result.value),
    limit
  ).map((value) => ({ text: variable === 'txIds' ? shortHex(value) : value, value }));
  return { values, notices };
}

export async function variablesQuery(ctx: HandlerContext<VariablesQuery>): Promise<Frame[]> {
  const { values, notices } = await variableValues(ctx);
  const frame: Frame = {
    name: 'variables',
    fields: [
      stringField(
        'text',
        values.map((v) => v.text)
      ),
      stringField(
        'value',
        values.map((v) => v.value)
      ),
    ],
  };
  return withNotices([frame], notices, ctx.query.refId);
}

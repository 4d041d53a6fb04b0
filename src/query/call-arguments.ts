import { findFunction, viewFunctions } from './abi-lookup';
import type { CallQuery } from './types';
import { hasTemplateVariable, type ValidateOptions } from './validate';
import type { AbiItem, AbiParam } from './variant-abis';

export type ArgumentValue = string | boolean | bigint;

export type ArgumentResult = { ok: true; value: ArgumentValue } | { ok: false; error: string };

const HEX = /^0x[0-9a-fA-F]*$/;

/** How an argument is named: beside its input in the editor and in every message about it. */
export function argumentLabel(param: AbiParam, index: number): string {
  return `${param.name || `argument ${index + 1}`} (${param.type})`;
}

/**
 * Converts the text a user typed into the value an ABI input of `param.type` takes, or says what the
 * text must be (the caller names the argument). Arrays and tuples are accepted as JSON text.
 */
export function parseArgument(param: AbiParam, text: string): ArgumentResult {
  const value = text.trim();
  const type = param.type;
  if (type === 'bool') {
    if (value === 'true' || value === '1') {
      return { ok: true, value: true };
    }
    if (value === 'false' || value === '0') {
      return { ok: true, value: false };
    }
    return { ok: false, error: 'must be true or false' };
  }
  if (type === 'address') {
    return /^0x[0-9a-fA-F]{40}$/.test(value)
      ? { ok: true, value }
      : { ok: false, error: 'must be 0x followed by 40 hex digits' };
  }
  const intMatch = /^(u?)int(\d*)$/.exec(type);
  if (intMatch) {
    if (!/^-?\d+$/.test(value) && !/^0x[0-9a-fA-F]+$/.test(value)) {
      return { ok: false, error: 'must be an integer' };
    }
    const number = BigInt(value);
    const bits = BigInt(intMatch[2] || '256');
    const unsigned = intMatch[1] === 'u';
    const min = unsigned ? 0n : -(1n << (bits - 1n));
    const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
    if (number < min || number > max) {
      return { ok: false, error: 'is out of range' };
    }
    return { ok: true, value: number };
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) {
    const size = Number(fixedBytes[1]);
    return HEX.test(value) && value.length === 2 + size * 2
      ? { ok: true, value }
      : { ok: false, error: `must be 0x followed by ${size * 2} hex digits` };
  }
  if (type === 'bytes') {
    return HEX.test(value) && value.length % 2 === 0
      ? { ok: true, value }
      : { ok: false, error: 'must be 0x followed by an even number of hex digits' };
  }
  if (type === 'string') {
    return { ok: true, value: text };
  }
  if (type.endsWith(']') || type.startsWith('tuple')) {
    try {
      JSON.parse(value);
      return { ok: true, value };
    } catch {
      return { ok: false, error: 'must be JSON' };
    }
  }
  return { ok: false, error: 'has an ABI type calls do not support' };
}

/**
 * A call query's function and arguments checked against one ABI. When ok: the function and its
 * arguments typed in ABI order. Otherwise what is wrong, per place (the editor shows each beside its
 * field) and as messages in order (the backend answers with them).
 */
export type CallCheck =
  | { ok: true; fn: AbiItem; values: ArgumentValue[] }
  | { ok: false; function?: string; args: Array<string | undefined>; messages: string[] };

/**
 * The one check of a call's function and arguments, for the editor (before interpolation, where an
 * argument holding a template variable is accepted as text: the backend checks it once interpolated)
 * and for the backend.
 */
export function checkCall(
  call: Pick<CallQuery, 'functionName' | 'args'>,
  abi: readonly AbiItem[],
  options: ValidateOptions = {}
): CallCheck {
  const fn = findFunction(abi, call.functionName);
  const views = viewFunctions(abi);
  if (!fn || !views.includes(fn)) {
    const known = views.map((view) => view.name).join(', ');
    const message = `"${call.functionName}" is not a view function of this ABI (views: ${known || 'none'})`;
    return { ok: false, function: message, args: [], messages: [message] };
  }
  const inputs = fn.inputs ?? [];
  const tooMany =
    call.args.length > inputs.length
      ? `${call.functionName} takes ${inputs.length} argument(s), ${call.args.length} given`
      : undefined;
  const values: ArgumentValue[] = [];
  const args = inputs.map((param, index) => {
    const text = call.args[index] ?? '';
    if (options.allowTemplateVariables === true && hasTemplateVariable(text)) {
      values.push(text);
      return undefined;
    }
    if (text.trim() === '') {
      return `${argumentLabel(param, index)} is required`;
    }
    const parsed = parseArgument(param, text);
    if (!parsed.ok) {
      return `${argumentLabel(param, index)} ${parsed.error}`;
    }
    values.push(parsed.value);
    return undefined;
  });
  const messages = [tooMany, ...args].filter((message): message is string => message !== undefined);
  return messages.length === 0 ? { ok: true, fn, values } : { ok: false, function: tooMany, args, messages };
}

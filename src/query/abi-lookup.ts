import { TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI, type AbiItem, type AbiParam } from './variant-abis';
import type { AbiVariant } from './settings';
import { describeValue } from './text';

/** Events every Tesseract ABI must declare: the lifecycle the dashboards and alerts are built on. */
export const LIFECYCLE_EVENTS = ['TransactionBuffered', 'TransactionReady', 'TransactionFailed'] as const;

export type AbiResult = { ok: true; abi: readonly AbiItem[] } | { ok: false; error: string };

/** Parses and checks a custom ABI: JSON array of ABI items that declares the lifecycle events. */
export function parseCustomAbi(text: string | undefined): AbiResult {
  if (typeof text !== 'string' || text.trim() === '') {
    return { ok: false, error: 'Custom ABI is empty: paste the JSON ABI of the deployed contract' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `Custom ABI is not valid JSON: ${(e as Error).message}` };
  }
  // Build artifacts wrap the ABI: accept {abi: [...]} as well.
  if (parsed && !Array.isArray(parsed) && typeof parsed === 'object' && Array.isArray((parsed as { abi?: unknown }).abi)) {
    parsed = (parsed as { abi: unknown[] }).abi;
  }
  if (!Array.isArray(parsed)) {
    return { ok: false, error: 'Custom ABI must be a JSON array of ABI items' };
  }
  const items: AbiItem[] = [];
  for (const [index, item] of parsed.entries()) {
    if (!item || typeof item !== 'object' || typeof (item as AbiItem).type !== 'string') {
      return { ok: false, error: `Custom ABI item ${index} has no "type"` };
    }
    items.push(item as AbiItem);
  }
  const missing = LIFECYCLE_EVENTS.filter((name) => !findEvent(items, name));
  if (missing.length > 0) {
    return { ok: false, error: `Custom ABI lacks the Tesseract event(s) ${missing.join(', ')}` };
  }
  return { ok: true, abi: items };
}

export function abiForVariant(variant: AbiVariant, customAbi?: string): AbiResult {
  switch (variant) {
    case 'simple':
      return { ok: true, abi: TESSERACT_SIMPLE_ABI };
    case 'buffer':
      return { ok: true, abi: TESSERACT_BUFFER_ABI };
    case 'custom':
      return parseCustomAbi(customAbi);
    default:
      return { ok: false, error: `Unknown ABI variant "${describeValue(variant)}"` };
  }
}

export function findEvent(abi: readonly AbiItem[], name: string): AbiItem | undefined {
  return abi.find((item) => item.type === 'event' && item.name === name);
}

export function findFunction(abi: readonly AbiItem[], name: string): AbiItem | undefined {
  return abi.find((item) => item.type === 'function' && item.name === name);
}

export function eventNames(abi: readonly AbiItem[]): string[] {
  return abi.filter((item) => item.type === 'event' && item.name).map((item) => item.name as string);
}

/** Functions a `call` query may run: those that cannot change state. */
export function viewFunctions(abi: readonly AbiItem[]): AbiItem[] {
  return abi.filter(
    (item) => item.type === 'function' && (item.stateMutability === 'view' || item.stateMutability === 'pure')
  );
}

export type ArgumentValue = string | boolean | bigint;

export type ArgumentResult = { ok: true; value: ArgumentValue } | { ok: false; error: string };

const HEX = /^0x[0-9a-fA-F]*$/;

/**
 * Converts the text a user typed into the value an ABI input of `param.type` takes, with a message
 * naming the argument when it cannot. Arrays and tuples are accepted as JSON text.
 */
export function parseArgument(param: AbiParam, text: string): ArgumentResult {
  const label = param.name ? `"${param.name}" (${param.type})` : param.type;
  const value = text.trim();
  const type = param.type;
  if (type === 'bool') {
    if (value === 'true' || value === '1') {
      return { ok: true, value: true };
    }
    if (value === 'false' || value === '0') {
      return { ok: true, value: false };
    }
    return { ok: false, error: `${label} must be true or false` };
  }
  if (type === 'address') {
    return /^0x[0-9a-fA-F]{40}$/.test(value)
      ? { ok: true, value }
      : { ok: false, error: `${label} must be 0x followed by 40 hex digits` };
  }
  const intMatch = /^(u?)int(\d*)$/.exec(type);
  if (intMatch) {
    if (!/^-?\d+$/.test(value) && !/^0x[0-9a-fA-F]+$/.test(value)) {
      return { ok: false, error: `${label} must be an integer` };
    }
    const number = BigInt(value);
    const bits = BigInt(intMatch[2] || '256');
    const unsigned = intMatch[1] === 'u';
    const min = unsigned ? 0n : -(1n << (bits - 1n));
    const max = unsigned ? (1n << bits) - 1n : (1n << (bits - 1n)) - 1n;
    if (number < min || number > max) {
      return { ok: false, error: `${label} is out of range` };
    }
    return { ok: true, value: number };
  }
  const fixedBytes = /^bytes(\d+)$/.exec(type);
  if (fixedBytes) {
    const size = Number(fixedBytes[1]);
    return HEX.test(value) && value.length === 2 + size * 2
      ? { ok: true, value }
      : { ok: false, error: `${label} must be 0x followed by ${size * 2} hex digits` };
  }
  if (type === 'bytes') {
    return HEX.test(value) && value.length % 2 === 0
      ? { ok: true, value }
      : { ok: false, error: `${label} must be 0x followed by an even number of hex digits` };
  }
  if (type === 'string') {
    return { ok: true, value: text };
  }
  if (type.endsWith(']') || type.startsWith('tuple')) {
    try {
      JSON.parse(value);
      return { ok: true, value };
    } catch {
      return { ok: false, error: `${label} must be JSON` };
    }
  }
  return { ok: false, error: `${label}: unsupported ABI type` };
}

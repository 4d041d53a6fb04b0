import { TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI, type AbiItem } from './variant-abis';
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
  if (
    parsed &&
    !Array.isArray(parsed) &&
    typeof parsed === 'object' &&
    Array.isArray((parsed as { abi?: unknown }).abi)
  ) {
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

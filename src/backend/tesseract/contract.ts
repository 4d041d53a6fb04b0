import { Interface, type Result } from 'ethers';
import { abiForVariant, findFunction, type AbiItem, type AbiVariant } from '../../query';
import { EventDecoders } from './events';

/**
 * Vyper 0.3 enums travel as bit flags: state i is 1 << i. An id never written reads 0. TesseractBuffer
 * extends TesseractSimple's four states with three more; custom ABIs are read with the longer list
 * (the first four agree).
 */
const SIMPLE_STATES = ['EMPTY', 'BUFFERED', 'READY', 'EXECUTED'] as const;
const BUFFER_STATES = [...SIMPLE_STATES, 'FAILED', 'EXPIRED', 'REFUNDED'] as const;

export interface DecodedState {
  /** State name; UNKNOWN for 0 (never written), INVALID(n) for values that are not one known flag. */
  name: string;
  raw: bigint;
}

export function decodeState(variant: AbiVariant, raw: bigint): DecodedState {
  const names: readonly string[] = variant === 'simple' ? SIMPLE_STATES : BUFFER_STATES;
  if (raw === 0n) {
    return { name: 'UNKNOWN', raw };
  }
  const index = names.findIndex((_, i) => raw === 1n << BigInt(i));
  return { name: index >= 0 ? names[index] : `INVALID(${raw})`, raw };
}

/**
 * What one deployed contract's ABI offers: event decoders and topic0s, the functions the monitor uses
 * (their presence decides what is applicable, never a call's failure), calldata encoding and state names.
 */
export class TesseractContract {
  readonly iface: Interface;
  readonly events: EventDecoders;

  private constructor(
    readonly variant: AbiVariant,
    readonly abi: readonly AbiItem[]
  ) {
    this.iface = new Interface(abi as never);
    this.events = new EventDecoders(abi);
  }

  static fromSettings(variant: AbiVariant, customAbi?: string): TesseractContract {
    const parsed = abiForVariant(variant, customAbi);
    if (!parsed.ok) {
      throw new Error(parsed.error);
    }
    return new TesseractContract(variant, parsed.abi);
  }

  hasFunction(name: string): boolean {
    return findFunction(this.abi, name) !== undefined;
  }

  eventNames(): string[] {
    return this.events.decoders.map((decoder) => decoder.name);
  }

  encodeCall(name: string, args: readonly unknown[] = []): string {
    return this.iface.encodeFunctionData(name, args as unknown[]);
  }

  decodeResult(name: string, data: string): Result {
    return this.iface.decodeFunctionResult(name, data);
  }

  decodeState(raw: bigint): DecodedState {
    return decodeState(this.variant, raw);
  }
}

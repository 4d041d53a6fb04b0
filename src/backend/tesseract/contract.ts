import { AbiCoder, Interface, type FunctionFragment, type Result } from 'ethers';
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

interface FunctionEntry {
  fragment: FunctionFragment;
  selector: string;
  /** Every input is bytes32. */
  wordsOnly: boolean;
}

const isWordHex = (value: unknown) => typeof value === 'string' && /^0x[0-9a-fA-F]{64}$/.test(value);

/**
 * What one deployed contract's ABI offers: event decoders and topic0s, the functions the monitor uses
 * (their presence decides what is applicable, never a call's failure), calldata encoding and state names.
 */
export class TesseractContract {
  readonly iface: Interface;
  readonly events: EventDecoders;
  /** Functions by name with their selectors, derived once: ethers hashes the signature again on every use. */
  private readonly functions = new Map<string, FunctionEntry>();

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
    const { fragment, selector, wordsOnly } = this.function(name);
    // get_transaction_state(bytes32) is asked for thousands of tx_ids a refresh: bytes32 arguments given as
    // 32-byte hex are their own encoding.
    if (wordsOnly && args.length === fragment.inputs.length && args.every(isWordHex)) {
      return selector + (args as string[]).map((arg) => arg.slice(2).toLowerCase()).join('');
    }
    return (
      selector +
      AbiCoder.defaultAbiCoder()
        .encode(fragment.inputs, args as unknown[])
        .slice(2)
    );
  }

  private function(name: string): FunctionEntry {
    let entry = this.functions.get(name);
    if (!entry) {
      const fragment = this.iface.getFunction(name);
      if (!fragment) {
        throw new Error(`the ABI has no function ${name}`);
      }
      const wordsOnly = fragment.inputs.every((input) => input.type === 'bytes32');
      entry = { fragment, selector: fragment.selector, wordsOnly };
      this.functions.set(name, entry);
    }
    return entry;
  }

  decodeResult(name: string, data: string): Result {
    return this.iface.decodeFunctionResult(this.function(name).fragment, data);
  }

  decodeState(raw: bigint): DecodedState {
    return decodeState(this.variant, raw);
  }
}

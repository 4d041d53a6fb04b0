import { Interface } from 'ethers';
import { isRequestRefusal } from '../chain';

/** A call the contract refused: the revert reason is the answer, not an RPC failure. */
export class ContractRevert extends Error {
  constructor(
    readonly functionName: string,
    readonly reason: string
  ) {
    super(`${functionName} reverted: ${reason}`);
    this.name = 'ContractRevert';
  }
}

/** Node messages for reverted eth_calls: "execution reverted: <reason>" (geth, anvil, most providers). */
const REVERT_MESSAGE = /(?:execution reverted|reverted|revert)(?::\s*(.*?))?(?:\s*\(code -?\d+\))?$/i;

const BUILTIN_ERRORS = new Interface([]);

/** The reason in ABI-encoded revert data: Error(string), Panic(uint256) or a custom error of the ABI. */
export function revertReason(data: string, iface: Interface = BUILTIN_ERRORS): string | undefined {
  try {
    const parsed = iface.parseError(data);
    if (!parsed) {
      return `custom error ${data.slice(0, 10)}`;
    }
    if (parsed.name === 'Error') {
      return String(parsed.args[0]);
    }
    if (parsed.name === 'Panic') {
      return `panic 0x${BigInt(parsed.args[0]).toString(16)}`;
    }
    return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
  } catch {
    return undefined;
  }
}

/** Decodes revert data to a reason, possibly from memory: `decode` is revertReason for that data. */
export type ReasonMemo = (data: string, decode: () => string | undefined) => string | undefined;

/**
 * Turns a reverted eth_call into ContractRevert, reading the reason from the revert data when the node
 * sends it, else from its message ("execution reverted: …"); other errors pass through unchanged. ethers
 * re-hashes every error signature of the ABI on each decode, and the same revert (a paused contract)
 * repeats every refresh: `memo` may keep the reasons.
 */
export function asRevert(
  functionName: string,
  error: unknown,
  iface: Interface = BUILTIN_ERRORS,
  memo: ReasonMemo = (_, decode) => decode()
): unknown {
  if (!isRequestRefusal(error)) {
    return error;
  }
  const data = error.data;
  const fromData =
    typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)
      ? memo(data, () => revertReason(data, iface))
      : undefined;
  if (fromData !== undefined) {
    return new ContractRevert(functionName, fromData);
  }
  const detail = error.message.replace(/^RPC #\d+: \S+ failed: /, '');
  const match = REVERT_MESSAGE.exec(detail);
  if (!match && error.code !== 3) {
    return error;
  }
  const reason = match?.[1]?.trim();
  return new ContractRevert(functionName, reason && reason.length > 0 ? reason : 'reverted without a reason');
}

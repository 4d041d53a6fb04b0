/** JSON-RPC quantities: hex strings such as "0x1a". */

export const toQuantity = (n: number) => `0x${n.toString(16)}`;

/** The number a hex quantity encodes; undefined for anything else. */
export function fromQuantity(value: unknown): number | undefined {
  return typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value) ? Number(value) : undefined;
}

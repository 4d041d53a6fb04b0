// Stand-in L2 addresses used as origin/target of buffered transactions.
import { getAddress, id } from 'ethers';

export const ROLLUP_NAMES = ['optimism', 'arbitrum', 'base', 'zksync', 'scroll', 'linea'] as const;

const addresses = new Map<string, string>();

/** A stable address per rollup name (the last 20 bytes of keccak256 of a label). */
export function rollupAddress(name: string): string {
  let address = addresses.get(name);
  if (!address) {
    address = getAddress(`0x${id(`tesseract-devnet-rollup:${name}`).slice(-40)}`);
    addresses.set(name, address);
  }
  return address;
}

/**
 * Compact storage of 32-byte values (tx ids, tx hashes): a 32-character latin1 string takes about half
 * the memory of its 66-character hex form, which matters for a million records kept in memory.
 */

const HEX_DIGITS = '0123456789abcdef';
/** Char code → nibble value (0 for anything that is not a hex digit). */
const NIBBLES = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  NIBBLES[HEX_DIGITS.charCodeAt(i)] = i;
  NIBBLES[HEX_DIGITS.toUpperCase().charCodeAt(i)] = i;
}
const codes = new Array<number>(32);

/** Packs `0x` + 64 hex digits (or the 64 digits at `offset` of a longer hex string) into 32 chars. */
export function packWord(hex: string, offset = 2): string {
  for (let i = 0, p = offset; i < 32; i++, p += 2) {
    codes[i] = (NIBBLES[hex.charCodeAt(p) & 127] << 4) | NIBBLES[hex.charCodeAt(p + 1) & 127];
  }
  return String.fromCharCode.apply(null, codes);
}

const DIGIT_CODES = Array.from(HEX_DIGITS, (digit) => digit.charCodeAt(0));
/** `0x` and the digits of the word being unpacked: one string is allocated per word, not one per digit pair. */
const hexCodes = [48, 120];

export function unpackWord(packed: string): string {
  hexCodes.length = 2 + 2 * packed.length;
  for (let i = 0; i < packed.length; i++) {
    const code = packed.charCodeAt(i);
    hexCodes[2 + 2 * i] = DIGIT_CODES[code >> 4];
    hexCodes[3 + 2 * i] = DIGIT_CODES[code & 15];
  }
  return String.fromCharCode.apply(null, hexCodes);
}

/** The packed form of a bytes32 hex value typed by a user (any case). */
export function packTxId(hex: string): string {
  return packWord(hex.toLowerCase());
}

/** True when the packed word is all zero bytes (e.g. "no dependency"). */
export function isZeroWord(packed: string): boolean {
  for (let i = 0; i < packed.length; i++) {
    if (packed.charCodeAt(i) !== 0) {
      return false;
    }
  }
  return true;
}

/** `0x12345678…abcd`: a 32-byte hex value short enough for legends and annotation text. */
export function shortHex(hex: string): string {
  return `${hex.slice(0, 10)}…${hex.slice(-4)}`;
}

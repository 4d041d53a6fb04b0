/**
 * What the backend build and the packaging test need to know of a 64-bit little-endian ELF file (x86-64
 * and AArch64 alike): its machine and the shared libraries it names (DT_NEEDED). Read from the bytes, so
 * that it works for the foreign architecture too and needs no binutils.
 */

export const ELF_MACHINE = { amd64: 0x3e, arm64: 0xb7 } as const;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;

function checkElf64(file: Buffer): void {
  if (file.subarray(0, 4).toString('latin1') !== '\x7fELF' || file[4] !== 2 || file[5] !== 1) {
    throw new Error('not a 64-bit little-endian ELF file');
  }
}

/** e_machine (see ELF_MACHINE). */
export function elfMachine(file: Buffer): number {
  checkElf64(file);
  return file.readUInt16LE(18);
}

/** The DT_NEEDED entries of the dynamic section, in order; empty for a static file. */
export function elfNeeded(file: Buffer): string[] {
  checkElf64(file);
  const phoff = Number(file.readBigUInt64LE(0x20));
  const phentsize = file.readUInt16LE(0x36);
  const headers = Array.from({ length: file.readUInt16LE(0x38) }, (_, index) => {
    const at = phoff + index * phentsize;
    return {
      type: file.readUInt32LE(at),
      offset: Number(file.readBigUInt64LE(at + 8)),
      vaddr: Number(file.readBigUInt64LE(at + 16)),
      filesz: Number(file.readBigUInt64LE(at + 32)),
    };
  });
  const dynamic = headers.find((header) => header.type === PT_DYNAMIC);
  if (!dynamic) {
    return [];
  }
  // DT_STRTAB holds a virtual address; the loadable segment that maps it gives its place in the file.
  const fileOffset = (vaddr: number): number => {
    const load = headers.find((h) => h.type === PT_LOAD && vaddr >= h.vaddr && vaddr < h.vaddr + h.filesz);
    if (!load) {
      throw new Error(`address 0x${vaddr.toString(16)} is in no loadable segment`);
    }
    return vaddr - load.vaddr + load.offset;
  };
  const needed: bigint[] = [];
  let strtab: number | undefined;
  for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.filesz; at += 16) {
    const tag = file.readBigInt64LE(at);
    const value = file.readBigUInt64LE(at + 8);
    if (tag === DT_NULL) {
      break;
    } else if (tag === DT_NEEDED) {
      needed.push(value);
    } else if (tag === DT_STRTAB) {
      strtab = fileOffset(Number(value));
    }
  }
  if (strtab === undefined) {
    throw new Error('dynamic section without DT_STRTAB');
  }
  const table = strtab;
  return needed.map((offset) => {
    const start = table + Number(offset);
    return file.toString('latin1', start, file.indexOf(0, start));
  });
}

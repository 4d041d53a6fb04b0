import type { RecordCodec } from '../chain';
import { EventKind, TesseractEvent, type EventKindCode } from './events';
import type { EncodedEvent, EventTable } from './eventtable';

/**
 * TesseractEvent ⇄ bytes, for the log index's journal. Bump CODEC_VERSION with any layout change: it is part
 * of the journal key, so entries of another layout are never decoded, only replaced.
 *
 * Layout: u32 block, u32 log index, u32 timestamp, u8 kind, u8 presence bits, the packed tx hash (32 bytes),
 * then what is present: tx id (32), dependency (32), declared time (f64), and the strings (u32 length, UTF-8):
 * name always, origin, target, reason, account.
 */
export const EVENT_CODEC_VERSION = 'tesseract-event/1';

const HAS_TX_ID = 1;
const HAS_DEPENDENCY = 2;
const HAS_AT = 4;
const HAS_ORIGIN = 8;
const HAS_TARGET = 16;
const HAS_REASON = 32;
const HAS_ACCOUNT = 64;

/** Large enough for any event but the rare one with a long reason, which gets a buffer of its own. */
const SCRATCH_BYTES = 16 * 1024;
const scratchBuffer = Buffer.alloc(SCRATCH_BYTES);

export const eventCodec: RecordCodec<TesseractEvent, EventTable> = {
  encode(event: TesseractEvent): Uint8Array {
    let flags = 0;
    flags |= event.txId !== null ? HAS_TX_ID : 0;
    flags |= event.dependency !== null ? HAS_DEPENDENCY : 0;
    flags |= event.at !== null ? HAS_AT : 0;
    flags |= event.origin !== null ? HAS_ORIGIN : 0;
    flags |= event.target !== null ? HAS_TARGET : 0;
    flags |= event.reason !== null ? HAS_REASON : 0;
    flags |= event.account !== null ? HAS_ACCOUNT : 0;
    const strings = [event.name, event.origin, event.target, event.reason, event.account];
    let size = 14 + 32 * 3 + 8;
    for (const value of strings) {
      size += value === null ? 0 : 4 + Buffer.byteLength(value, 'utf8');
    }
    const scratch = size <= SCRATCH_BYTES ? scratchBuffer : Buffer.alloc(size);
    let at = scratch.writeUInt32LE(event.blockNumber, 0);
    at = scratch.writeUInt32LE(event.logIndex, at);
    at = scratch.writeUInt32LE(event.timestamp, at);
    at = scratch.writeUInt8(event.kind, at);
    at = scratch.writeUInt8(flags, at);
    at += scratch.write(event.txHash, at, 32, 'latin1');
    if (event.txId !== null) {
      at += scratch.write(event.txId, at, 32, 'latin1');
    }
    if (event.dependency !== null) {
      at += scratch.write(event.dependency, at, 32, 'latin1');
    }
    if (event.at !== null) {
      at = scratch.writeDoubleLE(event.at, at);
    }
    for (const value of strings) {
      if (value !== null) {
        const length = scratch.write(value, at + 4, 'utf8');
        at = scratch.writeUInt32LE(length, at) + length;
      }
    }
    return Buffer.from(scratch.subarray(0, at));
  },

  decode(bytes: Uint8Array): TesseractEvent {
    const fields = parse(bytes, 0, bytes.length);
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const word = (at: number) => (at < 0 ? null : buffer.toString('latin1', at, at + 32));
    const text = (at: number, end: number) => (at < 0 ? null : buffer.toString('utf8', at, end));
    return new TesseractEvent(
      fields.block,
      fields.logIndex,
      fields.timestamp,
      fields.kind,
      text(fields.nameAt, fields.nameEnd)!,
      word(fields.txHashAt)!,
      word(fields.txIdAt),
      text(fields.originAt, fields.originEnd),
      text(fields.targetAt, fields.targetEnd),
      word(fields.dependencyAt),
      text(fields.reasonAt, fields.reasonEnd),
      text(fields.accountAt, fields.accountEnd),
      Number.isNaN(fields.declared) ? null : fields.declared
    );
  },

  decodeInto(table: EventTable, bytes: Uint8Array, start: number, end: number): void {
    table.pushEncoded(parse(bytes, start, end));
  },
};

/** One parse's result, reused: a replay builds no object per record. */
const parsed: EncodedEvent = {
  bytes: new Uint8Array(0),
  block: 0,
  logIndex: 0,
  timestamp: 0,
  kind: 0,
  declared: NaN,
  txHashAt: -1,
  txIdAt: -1,
  dependencyAt: -1,
  nameAt: -1,
  nameEnd: -1,
  originAt: -1,
  originEnd: -1,
  targetAt: -1,
  targetEnd: -1,
  reasonAt: -1,
  reasonEnd: -1,
  accountAt: -1,
  accountEnd: -1,
};
/** The declared time's 8 bytes, read as a float (little-endian, as writeDoubleLE wrote it and every platform built for is). */
const declaredBytes = new Uint8Array(8);
const declaredValue = new Float64Array(declaredBytes.buffer);

const u32 = (bytes: Uint8Array, at: number) =>
  (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;

function need(at: number, end: number): void {
  if (at > end) {
    throw new Error('a stored event shorter than its fields');
  }
}

/** Where the bytes of the string whose u32 length is at `at` start (checked to fit before `end`). */
function text(bytes: Uint8Array, at: number, end: number): number {
  need(at + 4, end);
  const length = u32(bytes, at);
  need(at + 4 + length, end);
  return at + 4;
}

/**
 * Where the fields of the event encoded at bytes[start, end) lie (module state, no closures: this runs once per
 * record of a replay); throws unless those bytes are exactly one event.
 */
function parse(bytes: Uint8Array, start: number, end: number): EncodedEvent {
  const out = parsed;
  need(start + 14 + 32, end);
  out.bytes = bytes;
  out.block = u32(bytes, start);
  out.logIndex = u32(bytes, start + 4);
  out.timestamp = u32(bytes, start + 8);
  const kind = bytes[start + 12];
  const flags = bytes[start + 13];
  let at = start + 14;
  out.txHashAt = at;
  at += 32;
  out.txIdAt = out.dependencyAt = -1;
  if (flags & HAS_TX_ID) {
    need(at + 32, end);
    out.txIdAt = at;
    at += 32;
  }
  if (flags & HAS_DEPENDENCY) {
    need(at + 32, end);
    out.dependencyAt = at;
    at += 32;
  }
  out.declared = NaN;
  if (flags & HAS_AT) {
    need(at + 8, end);
    for (let k = 0; k < 8; k++) {
      declaredBytes[k] = bytes[at + k];
    }
    out.declared = declaredValue[0];
    at += 8;
  }
  out.nameAt = text(bytes, at, end);
  at = out.nameEnd = out.nameAt + u32(bytes, at);
  out.originAt = out.originEnd = out.targetAt = out.targetEnd = -1;
  out.reasonAt = out.reasonEnd = out.accountAt = out.accountEnd = -1;
  if (flags & HAS_ORIGIN) {
    out.originAt = text(bytes, at, end);
    at = out.originEnd = out.originAt + u32(bytes, at);
  }
  if (flags & HAS_TARGET) {
    out.targetAt = text(bytes, at, end);
    at = out.targetEnd = out.targetAt + u32(bytes, at);
  }
  if (flags & HAS_REASON) {
    out.reasonAt = text(bytes, at, end);
    at = out.reasonEnd = out.reasonAt + u32(bytes, at);
  }
  if (flags & HAS_ACCOUNT) {
    out.accountAt = text(bytes, at, end);
    at = out.accountEnd = out.accountAt + u32(bytes, at);
  }
  if (at !== end || kind > EventKind.Other) {
    throw new Error('a stored event with unknown fields');
  }
  out.kind = kind as EventKindCode;
  return out;
}

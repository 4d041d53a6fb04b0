import type { RecordCodec } from '../chain';
import { TesseractEvent, type EventKindCode } from './events';

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

export const eventCodec: RecordCodec<TesseractEvent> = {
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
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const need = (length: number) => {
      if (at + length > buffer.length) {
        throw new Error('a stored event shorter than its fields');
      }
    };
    const word = () => {
      need(32);
      at += 32;
      return buffer.toString('latin1', at - 32, at);
    };
    const text = () => {
      need(4);
      const length = buffer.readUInt32LE(at);
      need(4 + length);
      at += 4 + length;
      return buffer.toString('utf8', at - length, at);
    };
    need(14);
    const block = buffer.readUInt32LE(0);
    const logIndex = buffer.readUInt32LE(4);
    const timestamp = buffer.readUInt32LE(8);
    const kind = buffer.readUInt8(12) as EventKindCode;
    const flags = buffer.readUInt8(13);
    at = 14;
    const txHash = word();
    const txId = flags & HAS_TX_ID ? word() : null;
    const dependency = flags & HAS_DEPENDENCY ? word() : null;
    let declared: number | null = null;
    if (flags & HAS_AT) {
      need(8);
      declared = buffer.readDoubleLE(at);
      at += 8;
    }
    const name = text();
    const origin = flags & HAS_ORIGIN ? text() : null;
    const target = flags & HAS_TARGET ? text() : null;
    const reason = flags & HAS_REASON ? text() : null;
    const account = flags & HAS_ACCOUNT ? text() : null;
    if (at !== buffer.length || kind > 6) {
      throw new Error('a stored event with unknown fields');
    }
    return new TesseractEvent(
      block,
      logIndex,
      timestamp,
      kind,
      name,
      txHash,
      txId,
      origin,
      target,
      dependency,
      reason,
      account,
      declared
    );
  },
};

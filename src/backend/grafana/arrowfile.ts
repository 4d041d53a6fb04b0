/**
 * A lean writer of the Arrow IPC *file* format for one record batch of flat columns: the form Grafana reads
 * from `DataResponse.frames`. The flatbuffers (Schema.fbs, Message.fbs, File.fbs of the Arrow format) are
 * written by hand; only the tables and fields used here exist.
 *
 * What Grafana's reader needs (grafana-plugin-sdk-go `data/arrow.go`, `UnmarshalArrowFrame`): the file form
 * (`ipc.NewFileReader`: leading and trailing magic, footer with the schema and record batch blocks), every
 * record batch of the file appended to the frame; schema metadata `name`, `refId`, `meta`; field metadata
 * `labels` and `config` looked up by key (first match); nullability from the schema field, nulls from the
 * validity bitmap; timestamps read as nanoseconds whatever the unit says; strings as Utf8, JSON as Binary.
 * And from apache arrow go's `ipc/file_reader.go` under it: the schema is taken from the footer (trailing
 * int32 footer size + magic), each block's offset, metadata length and body length must be multiples of 8,
 * buffers are read by offset within the body, and a validity buffer slot is skipped when its null count is 0.
 */

export type ArrowType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool'
  | 'utf8'
  | 'binary'
  | 'timestamp-ns';

export interface ArrowColumn {
  name: string;
  type: ArrowType;
  nullable: boolean;
  /** Key/value pairs in the order written. */
  metadata: ReadonlyArray<readonly [string, string]>;
  nullCount: number;
  /** Validity bitmap (bit set = value present); omitted when the column has no nulls. */
  validity?: Uint8Array;
  /** The buffers after validity: values (fixed width, bool bits) or offsets then bytes (utf8, binary). */
  buffers: readonly Uint8Array[];
}

// Type union tags, enum values and metadata version of the Arrow format flatbuffers.
const TYPE_INT = 2;
const TYPE_FLOATING_POINT = 3;
const TYPE_BINARY = 4;
const TYPE_UTF8 = 5;
const TYPE_BOOL = 6;
const TYPE_TIMESTAMP = 10;
const PRECISION_SINGLE = 1;
const PRECISION_DOUBLE = 2;
const TIME_UNIT_NANOSECOND = 3;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;
const METADATA_V5 = 4;

const UTF8 = new TextEncoder();
const MAGIC = UTF8.encode('ARROW1');
const CONTINUATION = 0xffffffff;

const NO_BYTES = new Uint8Array(0);
const pad8 = (length: number) => (length + 7) & ~7;

/**
 * A flatbuffers builder: writes back to front (children before the tables that point at them), so an
 * offset is counted from the end of the buffer, and a reference always points forward as the format wants.
 */
class FlatBuilder {
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  private head = this.bytes.length;
  private minAlign = 1;
  private tableStart = 0;
  private slots: number[] = [];

  /** Starts a new flatbuffer in the same memory (its previous result must have been copied out). */
  reset(): void {
    this.head = this.bytes.length;
    this.minAlign = 1;
  }

  private offset(): number {
    return this.bytes.length - this.head;
  }

  private grow(needed: number): void {
    while (this.head < needed) {
      const old = this.bytes;
      this.bytes = new Uint8Array(old.length * 2);
      this.bytes.set(old, old.length);
      this.view = new DataView(this.bytes.buffer);
      this.head += old.length;
    }
  }

  /** Pads so that after writing `size`-aligned data plus `extra` bytes the offset is a multiple of `size`. */
  private prep(size: number, extra: number): void {
    this.minAlign = Math.max(this.minAlign, size);
    const padding = (size - ((this.offset() + extra) % size)) % size;
    this.grow(padding + extra + size);
    this.head -= padding;
    this.bytes.fill(0, this.head, this.head + padding);
  }

  int8(value: number): void {
    this.prep(1, 0);
    this.view.setInt8(--this.head, value);
  }
  int16(value: number): void {
    this.prep(2, 0);
    this.view.setInt16((this.head -= 2), value, true);
  }
  int32(value: number): void {
    this.prep(4, 0);
    this.view.setInt32((this.head -= 4), value, true);
  }
  int64(value: number): void {
    this.prep(8, 0);
    this.word64((this.head -= 8), value);
  }
  /** A safe integer as a little-endian int64, in two 32-bit halves (no BigInt per value). */
  private word64(at: number, value: number): void {
    const high = Math.floor(value / 2 ** 32);
    this.view.setUint32(at, value - high * 2 ** 32, true);
    this.view.setInt32(at + 4, high, true);
  }

  /** A reference to something already written, relative to where it is stored. */
  private reference(target: number): void {
    this.prep(4, 0);
    this.head -= 4;
    this.view.setUint32(this.head, this.offset() - target, true);
  }

  string(text: string): number {
    const length = Buffer.byteLength(text, 'utf8');
    this.prep(4, length + 1);
    this.bytes[--this.head] = 0;
    this.head -= length;
    UTF8.encodeInto(text, this.bytes.subarray(this.head, this.head + length));
    this.view.setUint32((this.head -= 4), length, true);
    return this.offset();
  }

  vectorOfTables(items: readonly number[]): number {
    this.prep(4, 4 * items.length);
    for (let index = items.length - 1; index >= 0; index--) {
      this.reference(items[index]);
    }
    this.view.setUint32((this.head -= 4), items.length, true);
    return this.offset();
  }

  /** A vector of structs of 64-bit words (FieldNode, Buffer: two longs; Block: long, int + padding, long). */
  vectorOfStructs(items: ReadonlyArray<readonly number[]>, words: number): number {
    this.prep(8, 8 * words * items.length);
    for (let index = items.length - 1; index >= 0; index--) {
      for (let word = words - 1; word >= 0; word--) {
        this.word64((this.head -= 8), items[index][word]);
      }
    }
    this.prep(4, 0);
    this.view.setUint32((this.head -= 4), items.length, true);
    return this.offset();
  }

  startTable(): void {
    this.slots = [];
    this.tableStart = this.offset();
  }
  /** Adds field `slot` of the open table; `write` stores its value. */
  field(slot: number, write: () => void): void {
    write();
    this.slots[slot] = this.offset();
  }
  fieldReference(slot: number, target: number): void {
    this.field(slot, () => this.reference(target));
  }
  /** Writes the table's vtable just before it (not shared between tables: these messages are small). */
  endTable(): number {
    this.int32(0);
    const table = this.offset();
    const slotCount = this.slots.length;
    this.prep(2, 2 * (slotCount + 2));
    for (let slot = slotCount - 1; slot >= 0; slot--) {
      const at = this.slots[slot];
      this.view.setUint16((this.head -= 2), at === undefined ? 0 : table - at, true);
    }
    this.view.setUint16((this.head -= 2), table - this.tableStart, true);
    this.view.setUint16((this.head -= 2), 2 * (slotCount + 2), true);
    const vtable = this.offset();
    this.view.setInt32(this.bytes.length - table, vtable - table, true);
    return table;
  }

  /** What has been written since the last reset: self-contained when it is one table and its children. */
  written(): Uint8Array {
    return this.bytes.subarray(this.head);
  }

  /**
   * Copies `written` of another builder into this one, just reset: at the same distance from the end, so its
   * relative references, offsets and alignment (all counted from the end) hold as they were.
   */
  copyAtStart(written: Uint8Array): void {
    this.minAlign = 8;
    this.grow(written.length);
    this.head -= written.length;
    this.bytes.set(written, this.head);
  }

  finish(root: number): Uint8Array {
    this.prep(Math.max(this.minAlign, 8), 4);
    this.reference(root);
    return this.bytes.subarray(this.head);
  }
}

function table(builder: FlatBuilder, build: () => void): number {
  builder.startTable();
  build();
  return builder.endTable();
}

function keyValues(builder: FlatBuilder, pairs: ReadonlyArray<readonly [string, string]>): number {
  const entries = pairs.map(([key, value]) => {
    const keyAt = builder.string(key);
    const valueAt = builder.string(value);
    return table(builder, () => {
      builder.fieldReference(0, keyAt);
      builder.fieldReference(1, valueAt);
    });
  });
  return builder.vectorOfTables(entries);
}

const INT_WIDTHS: Partial<Record<ArrowType, [number, boolean]>> = {
  int8: [8, true],
  int16: [16, true],
  int32: [32, true],
  int64: [64, true],
  uint8: [8, false],
  uint16: [16, false],
  uint32: [32, false],
  uint64: [64, false],
};

/** Writes the Type union member of a field; returns [union tag, table]. */
function fieldType(builder: FlatBuilder, type: ArrowType): [number, number] {
  const int = INT_WIDTHS[type];
  if (int) {
    const [bitWidth, signed] = int;
    const intAt = table(builder, () => {
      builder.field(0, () => builder.int32(bitWidth));
      builder.field(1, () => builder.int8(signed ? 1 : 0));
    });
    return [TYPE_INT, intAt];
  }
  switch (type) {
    case 'float32':
    case 'float64': {
      const precision = type === 'float32' ? PRECISION_SINGLE : PRECISION_DOUBLE;
      return [TYPE_FLOATING_POINT, table(builder, () => builder.field(0, () => builder.int16(precision)))];
    }
    case 'timestamp-ns':
      return [TYPE_TIMESTAMP, table(builder, () => builder.field(0, () => builder.int16(TIME_UNIT_NANOSECOND)))];
    case 'bool':
      return [TYPE_BOOL, table(builder, () => undefined)];
    case 'utf8':
      return [TYPE_UTF8, table(builder, () => undefined)];
    default:
      return [TYPE_BINARY, table(builder, () => undefined)];
  }
}

function schemaTable(
  builder: FlatBuilder,
  metadata: ReadonlyArray<readonly [string, string]>,
  columns: readonly ArrowColumn[]
): number {
  const fields = columns.map((column) => {
    const nameAt = builder.string(column.name);
    const [typeTag, typeAt] = fieldType(builder, column.type);
    const childrenAt = builder.vectorOfTables([]);
    const metadataAt = keyValues(builder, column.metadata);
    return table(builder, () => {
      builder.fieldReference(0, nameAt);
      builder.field(1, () => builder.int8(column.nullable ? 1 : 0));
      builder.field(2, () => builder.int8(typeTag));
      builder.fieldReference(3, typeAt);
      builder.fieldReference(5, childrenAt);
      builder.fieldReference(6, metadataAt);
    });
  });
  const fieldsAt = builder.vectorOfTables(fields);
  const metadataAt = keyValues(builder, metadata);
  return table(builder, () => {
    builder.fieldReference(1, fieldsAt);
    builder.fieldReference(2, metadataAt);
  });
}

// One builder per flatbuffer of a file, reused: a fresh buffer for each costs more than the rest of a small frame.
const schemaBuilder = new FlatBuilder();
const batchBuilder = new FlatBuilder();
const footerBuilder = new FlatBuilder();

function encodeMessage(
  builder: FlatBuilder,
  headerType: number,
  bodyLength: number,
  header: (builder: FlatBuilder) => number
): Uint8Array {
  builder.reset();
  const headerAt = header(builder);
  return builder.finish(
    table(builder, () => {
      builder.field(0, () => builder.int16(METADATA_V5));
      builder.field(1, () => builder.int8(headerType));
      builder.fieldReference(2, headerAt);
      builder.field(3, () => builder.int64(bodyLength));
    })
  );
}

/** The record batch body: per column validity (empty when no nulls) then its buffers, each 8-byte aligned. */
function bodyLayout(columns: readonly ArrowColumn[]): { buffers: Uint8Array[]; spans: number[][]; length: number } {
  const buffers: Uint8Array[] = [];
  const spans: number[][] = [];
  let length = 0;
  for (const column of columns) {
    for (const buffer of [column.validity ?? NO_BYTES, ...column.buffers]) {
      buffers.push(buffer);
      spans.push([length, buffer.length]);
      length += pad8(buffer.length);
    }
  }
  return { buffers, spans, length };
}

/** A Schema message and, for the footer, the bytes of its Schema table and where that table ends. */
interface EncodedSchema {
  message: Uint8Array;
  table: Uint8Array;
  tableAt: number;
}

/**
 * Schemas encoded lately, by their metadata, names and types: a panel's frames keep their schema from one refresh to
 * the next while their values change, and a field's strings and metadata cost most of a small frame. Bounded above
 * the distinct frames of a twenty-deployment dashboard (about 430), so a refresh finds the last one's.
 */
const RECENT_SCHEMAS = new Map<string, EncodedSchema>();
const MAX_RECENT_SCHEMAS = 1024;

function encodedSchema(
  schemaMetadata: ReadonlyArray<readonly [string, string]>,
  columns: readonly ArrowColumn[]
): EncodedSchema {
  const key = JSON.stringify([schemaMetadata, columns.map((c) => [c.name, c.type, c.nullable, c.metadata])]);
  const known = RECENT_SCHEMAS.get(key);
  if (known) {
    return known;
  }
  // The footer holds the same Schema table: built once, its bytes copied.
  let table: Uint8Array = NO_BYTES;
  let tableAt = 0;
  const message = encodeMessage(schemaBuilder, HEADER_SCHEMA, 0, (builder) => {
    tableAt = schemaTable(builder, schemaMetadata, columns);
    table = builder.written().slice();
    return tableAt;
  }).slice();
  if (RECENT_SCHEMAS.size >= MAX_RECENT_SCHEMAS) {
    RECENT_SCHEMAS.delete(RECENT_SCHEMAS.keys().next().value as string);
  }
  const encoded = { message, table, tableAt };
  RECENT_SCHEMAS.set(key, encoded);
  return encoded;
}

/** Encodes one record batch of `rowCount` rows as an Arrow IPC file. */
export function encodeArrowFile(
  schemaMetadata: ReadonlyArray<readonly [string, string]>,
  rowCount: number,
  columns: readonly ArrowColumn[]
): Uint8Array {
  const { message: schemaMessage, table: schema, tableAt: schemaTableAt } = encodedSchema(schemaMetadata, columns);
  const body = bodyLayout(columns);
  const batchMessage = encodeMessage(batchBuilder, HEADER_RECORD_BATCH, body.length, (builder) => {
    const nodesAt = builder.vectorOfStructs(
      columns.map((column) => [rowCount, column.nullCount]),
      2
    );
    const buffersAt = builder.vectorOfStructs(body.spans, 2);
    return table(builder, () => {
      builder.field(0, () => builder.int64(rowCount));
      builder.fieldReference(1, nodesAt);
      builder.fieldReference(2, buffersAt);
    });
  });

  // Each message: continuation marker, padded metadata length, metadata padded to 8 bytes (then the body).
  const schemaBlockLength = 8 + pad8(schemaMessage.length);
  const batchBlockLength = 8 + pad8(batchMessage.length);
  const schemaAt = 8;
  const batchAt = schemaAt + schemaBlockLength;
  const footerAt = batchAt + batchBlockLength + body.length;

  footerBuilder.reset();
  footerBuilder.copyAtStart(schema);
  const footerSchemaAt = schemaTableAt;
  const dictionariesAt = footerBuilder.vectorOfStructs([], 3);
  const batchesAt = footerBuilder.vectorOfStructs([[batchAt, batchBlockLength, body.length]], 3);
  const footer = footerBuilder.finish(
    table(footerBuilder, () => {
      footerBuilder.field(0, () => footerBuilder.int16(METADATA_V5));
      footerBuilder.fieldReference(1, footerSchemaAt);
      footerBuilder.fieldReference(2, dictionariesAt);
      footerBuilder.fieldReference(3, batchesAt);
    })
  );

  const file = new Uint8Array(footerAt + footer.length + 4 + MAGIC.length);
  const view = new DataView(file.buffer);
  file.set(MAGIC, 0);
  const writeMessage = (at: number, metadata: Uint8Array, blockLength: number) => {
    view.setUint32(at, CONTINUATION, true);
    view.setInt32(at + 4, blockLength - 8, true);
    file.set(metadata, at + 8);
  };
  writeMessage(schemaAt, schemaMessage, schemaBlockLength);
  writeMessage(batchAt, batchMessage, batchBlockLength);
  const bodyAt = batchAt + batchBlockLength;
  body.buffers.forEach((buffer, index) => file.set(buffer, bodyAt + body.spans[index][0]));
  file.set(footer, footerAt);
  view.setInt32(footerAt + footer.length, footer.length, true);
  file.set(MAGIC, footerAt + footer.length + 4);
  return file;
}

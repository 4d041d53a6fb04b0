import { RecordBatchReader, Type, makeVector, type Field as ArrowField, type Vector } from 'apache-arrow';
import { encodeArrowFile, type ArrowColumn, type ArrowType } from './arrowfile';

/** Grafana's data frame model (grafana-plugin-sdk-go data.Frame), restricted to what Grafana can decode. */

export type NumberType =
  'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'float32' | 'float64';

/** Grafana field config (subset of keys typed; anything else passes through as JSON). */
export interface FieldConfig {
  displayName?: string;
  displayNameFromDS?: string;
  unit?: string;
  decimals?: number;
  min?: number | null;
  max?: number | null;
  interval?: number;
  noValue?: string;
  description?: string;
  filterable?: boolean;
  custom?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface FrameNotice {
  severity?: 'info' | 'warning' | 'error';
  text: string;
  link?: string;
  inspect?: string;
}

/** Frame metadata; `type` and `typeVersion` mark data plane frames (alerting reads them). */
export interface FrameMeta {
  type?: string;
  typeVersion?: [number, number];
  custom?: unknown;
  notices?: FrameNotice[];
  executedQueryString?: string;
  preferredVisualisationType?: string;
  [key: string]: unknown;
}

interface FieldBase {
  name: string;
  labels?: Record<string, string>;
  config?: FieldConfig;
  /** Whether the field may hold nulls. Default: true when any value is null. */
  nullable?: boolean;
}

/** Time values: epoch milliseconds (number), epoch nanoseconds (bigint, exact) or Date. */
export interface TimeField extends FieldBase {
  type: 'time';
  values: ReadonlyArray<number | bigint | Date | null>;
}

export interface NumberField extends FieldBase {
  type: 'number';
  /** Arrow storage. Default float64; int64/uint64 take number or bigint. */
  numberType?: NumberType;
  values: ReadonlyArray<number | bigint | null>;
}

export interface StringField extends FieldBase {
  type: 'string';
  values: ReadonlyArray<string | null>;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
  values: ReadonlyArray<boolean | null>;
}

/** Enum: uint16 indexes into `config.type.enum.text`. */
export interface EnumField extends FieldBase {
  type: 'enum';
  values: ReadonlyArray<number | null>;
}

/** Raw JSON values (Grafana type `other`, Arrow Binary). */
export interface JsonField extends FieldBase {
  type: 'other';
  values: readonly unknown[];
}

export type Field = TimeField | NumberField | StringField | BooleanField | EnumField | JsonField;
export type FieldType = Field['type'];

export interface Frame {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: Field[];
}

// Short constructors for the common cases.
export function timeField(name: string, values: TimeField['values'], extra: Omit<FieldBase, 'name'> = {}): TimeField {
  return { name, type: 'time', values, ...extra };
}
export function numberField(
  name: string,
  values: NumberField['values'],
  extra: Omit<FieldBase, 'name'> & { numberType?: NumberType } = {}
): NumberField {
  return { name, type: 'number', values, ...extra };
}
export function stringField(
  name: string,
  values: StringField['values'],
  extra: Omit<FieldBase, 'name'> = {}
): StringField {
  return { name, type: 'string', values, ...extra };
}
export function booleanField(
  name: string,
  values: BooleanField['values'],
  extra: Omit<FieldBase, 'name'> = {}
): BooleanField {
  return { name, type: 'boolean', values, ...extra };
}

export function frameLength(frame: Frame): number {
  return frame.fields[0]?.values.length ?? 0;
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

type NumericArray = new (length: number) => ArrayLike<number | bigint>;

/** Backing array and Arrow type name (as apache-arrow prints it) of each number storage. */
const NUMBER_STORAGE: Record<NumberType, { array: NumericArray; arrowName: string }> = {
  int8: { array: Int8Array, arrowName: 'Int8' },
  int16: { array: Int16Array, arrowName: 'Int16' },
  int32: { array: Int32Array, arrowName: 'Int32' },
  int64: { array: BigInt64Array, arrowName: 'Int64' },
  uint8: { array: Uint8Array, arrowName: 'Uint8' },
  uint16: { array: Uint16Array, arrowName: 'Uint16' },
  uint32: { array: Uint32Array, arrowName: 'Uint32' },
  uint64: { array: BigUint64Array, arrowName: 'Uint64' },
  float32: { array: Float32Array, arrowName: 'Float32' },
  float64: { array: Float64Array, arrowName: 'Float64' },
};

const NANOS_PER_MILLI = 1_000_000n;
const WORD = 2 ** 32;
/** The largest epoch milliseconds whose nanoseconds fit in an int64 (about the year 2262). */
const MAX_EPOCH_MILLIS = 9_223_372_036_854;

const isNull = (value: unknown): value is null | undefined => value === null || value === undefined;

function countNulls(values: ArrayLike<unknown>): number {
  let nulls = 0;
  for (let index = 0; index < values.length; index++) {
    if (isNull(values[index])) {
      nulls++;
    }
  }
  return nulls;
}

function validityBitmap(values: ArrayLike<unknown>): Uint8Array {
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  for (let index = 0; index < values.length; index++) {
    if (!isNull(values[index])) {
      bitmap[index >> 3] |= 1 << (index & 7);
    }
  }
  return bitmap;
}

const bytesOf = (array: ArrayBufferView) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

/**
 * Epoch milliseconds as int64 nanoseconds in two 32-bit words (typed arrays are little-endian on every target
 * here), exact without a BigInt per value: the low word's product stays below 2^53, the high word takes its carry.
 * Sub-millisecond fractions are kept as whole nanoseconds.
 */
function writeEpochNanos(words: Uint32Array, index: number, millis: number, fieldName: string): void {
  if (!(Math.abs(millis) <= MAX_EPOCH_MILLIS)) {
    throw new Error(`field "${fieldName}": time value ${String(millis)} is not a valid time`);
  }
  const whole = Math.floor(millis);
  const high = Math.floor(whole / WORD);
  const lowNanos = (whole - high * WORD) * 1e6 + Math.round((millis - whole) * 1e6);
  const carry = Math.floor(lowNanos / WORD);
  words[2 * index] = lowNanos - carry * WORD;
  words[2 * index + 1] = high * 1e6 + carry; // a negative high word wraps to its two's complement
}

function timeBuffer(field: TimeField): Uint8Array {
  const { values } = field;
  const words = new Uint32Array(2 * values.length);
  const nanos = new BigInt64Array(words.buffer);
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (typeof value === 'number') {
      writeEpochNanos(words, index, value, field.name);
    } else if (typeof value === 'bigint') {
      nanos[index] = value;
    } else if (value instanceof Date) {
      writeEpochNanos(words, index, value.getTime(), field.name);
    }
  }
  return bytesOf(words);
}

function numberBuffer(values: ArrayLike<number | bigint | null>, numberType: NumberType): Uint8Array {
  const storage = new NUMBER_STORAGE[numberType].array(values.length) as unknown as Array<number | bigint>;
  const big = numberType === 'int64' || numberType === 'uint64';
  for (let index = 0; index < values.length; index++) {
    const value = values[index];
    if (isNull(value)) {
      continue;
    }
    if (big) {
      storage[index] = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
    } else {
      storage[index] = typeof value === 'number' ? value : Number(value);
    }
  }
  return bytesOf(storage as unknown as ArrayBufferView);
}

function booleanBuffer(values: ArrayLike<boolean | null>): Uint8Array {
  const bits = new Uint8Array(Math.ceil(values.length / 8));
  for (let index = 0; index < values.length; index++) {
    if (values[index] === true) {
      bits[index >> 3] |= 1 << (index & 7);
    }
  }
  return bits;
}

/** UTF-8 values written straight into one buffer (no array per value: tables have thousands of strings). */
function variableWidthBuffers(texts: ArrayLike<string | null | undefined>): Uint8Array[] {
  const valueOffsets = new Int32Array(texts.length + 1);
  let total = 0;
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index];
    total += isNull(text) ? 0 : Buffer.byteLength(text, 'utf8');
    valueOffsets[index + 1] = total;
  }
  const buffer = Buffer.allocUnsafe(total);
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index];
    if (!isNull(text)) {
      buffer.write(text, valueOffsets[index], 'utf8');
    }
  }
  return [bytesOf(valueOffsets), bytesOf(buffer)];
}

/** Arrow type, Grafana's `tstype` and the buffers after validity of a field. */
function fieldBuffers(field: Field): { type: ArrowType; tstype: string; buffers: Uint8Array[] } {
  switch (field.type) {
    case 'time':
      return { type: 'timestamp-ns', tstype: 'time', buffers: [timeBuffer(field)] };
    case 'number': {
      const numberType = field.numberType ?? 'float64';
      return { type: numberType, tstype: 'number', buffers: [numberBuffer(field.values, numberType)] };
    }
    case 'enum':
      return { type: 'uint16', tstype: 'enum', buffers: [numberBuffer(field.values, 'uint16')] };
    case 'boolean':
      return { type: 'bool', tstype: 'boolean', buffers: [booleanBuffer(field.values)] };
    case 'string':
      // Always plain Utf8: Grafana rejects dictionary-encoded strings.
      return { type: 'utf8', tstype: 'string', buffers: variableWidthBuffers(field.values) };
    case 'other': {
      const texts = field.values.map((value) => (isNull(value) ? null : JSON.stringify(value)));
      return { type: 'binary', tstype: 'other', buffers: variableWidthBuffers(texts) };
    }
  }
}

function validateLabels(field: Field): void {
  for (const [key, value] of Object.entries(field.labels ?? {})) {
    if (typeof value !== 'string') {
      throw new Error(`field "${field.name}": label ${key} must be a string`);
    }
  }
}

/** A field's values as Arrow buffers, kept for the other fields of a response that share its values array. */
interface ConvertedValues {
  fieldType: FieldType;
  numberType?: NumberType;
  nullCount: number;
  validity?: Uint8Array;
  type: ArrowType;
  tstype: string;
  buffers: Uint8Array[];
}

type Conversions = Map<Field['values'], ConvertedValues>;

function convertedValues(field: Field, conversions: Conversions): ConvertedValues {
  const numberType = field.type === 'number' ? field.numberType : undefined;
  const known = conversions.get(field.values);
  if (known && known.fieldType === field.type && known.numberType === numberType) {
    return known;
  }
  const nullCount = countNulls(field.values);
  const converted = {
    fieldType: field.type,
    numberType,
    nullCount,
    validity: nullCount > 0 ? validityBitmap(field.values) : undefined,
    ...fieldBuffers(field),
  };
  conversions.set(field.values, converted);
  return converted;
}

function arrowColumn(field: Field, conversions: Conversions): ArrowColumn {
  validateLabels(field);
  const { nullCount, validity, type, tstype, buffers } = convertedValues(field, conversions);
  const nullable = field.nullable ?? nullCount > 0;
  if (!nullable && nullCount > 0) {
    throw new Error(`field "${field.name}" is declared not nullable but holds null values`);
  }
  // Keys in the Go SDK's (sorted) order; each field carries its own, also when names repeat.
  const metadata: Array<[string, string]> = [];
  if (field.config) {
    metadata.push(['config', JSON.stringify(field.config)]);
  }
  if (field.labels) {
    metadata.push(['labels', JSON.stringify(field.labels)]);
  }
  metadata.push(['tstype', tstype]);
  return {
    name: field.name,
    type,
    nullable,
    metadata,
    nullCount,
    validity,
    buffers,
  };
}

/**
 * Encodes one frame as one Arrow IPC file (magic ARROW1), the form Grafana reads from DataResponse.frames.
 * Throws on frames Grafana would reject (unequal field lengths, non-string labels, nulls in non-nullable fields).
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return encodeFrameWith(frame, new Map());
}

/**
 * encodeFrame of each frame of one response: fields that share one values array (the time field of every
 * series of a metrics query) are converted to Arrow buffers once. The arrays must not change meanwhile.
 */
export function encodeFrames(frames: readonly Frame[]): Uint8Array[] {
  const conversions: Conversions = new Map();
  return frames.map((frame) => encodeFrameWith(frame, conversions));
}

function encodeFrameWith(frame: Frame, conversions: Conversions): Uint8Array {
  const length = frameLength(frame);
  for (const field of frame.fields) {
    if (field.values.length !== length) {
      throw new Error(
        `frame "${frame.name ?? ''}": field "${field.name}" has ${field.values.length} values, expected ${length}`
      );
    }
  }
  const schemaMetadata: Array<[string, string]> = [];
  if (frame.meta) {
    schemaMetadata.push(['meta', JSON.stringify(frame.meta)]);
  }
  schemaMetadata.push(['name', frame.name ?? ''], ['refId', frame.refId ?? '']);
  return encodeArrowFile(
    schemaMetadata,
    length,
    frame.fields.map((field) => arrowColumn(field, conversions))
  );
}

// ---------------------------------------------------------------------------------------------------------
// Decoding (tests and the host harness read frames the way Grafana does)

export type DecodedField = Field & {
  nullable: boolean;
  /** Arrow type name, e.g. `Utf8`, `Timestamp<NANOSECOND>`, `Float64`. */
  arrowType: string;
  /** Exact epoch nanoseconds of a time field (`values` holds epoch milliseconds). */
  timeNs?: Array<bigint | null>;
};

export interface DecodedFrame extends Frame {
  name: string;
  refId: string;
  fields: DecodedField[];
}

/** Number storage by Arrow type name (`Int8`, `Float64`, …). */
const ARROW_NUMBER_TYPES = new Map<string, NumberType>(
  Object.entries(NUMBER_STORAGE).map(([numberType, storage]) => [storage.arrowName, numberType as NumberType])
);

function parseJsonMetadata(metadata: Map<string, string>, key: string, where: string): unknown {
  const text = metadata.get(key);
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${where}: metadata ${key} is not valid JSON`);
  }
}

function rows<T>(vector: Vector, read: (value: unknown) => T): Array<T | null> {
  const out: Array<T | null> = [];
  for (let row = 0; row < vector.length; row++) {
    out.push(vector.isValid(row) ? read(vector.get(row)) : null);
  }
  return out;
}

function rawTimestamps(vector: Vector): Array<bigint | null> {
  const out: Array<bigint | null> = [];
  for (const chunk of vector.data) {
    const values = chunk.values as BigInt64Array;
    for (let index = 0; index < chunk.length; index++) {
      out.push(chunk.getValid(index) ? values[index] : null);
    }
  }
  return out;
}

function safeInteger(value: unknown): number | bigint {
  const big = value as bigint;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

const decoder = new TextDecoder();

function decodeField(arrowField: ArrowField, vector: Vector): DecodedField {
  const where = `field "${arrowField.name}"`;
  const base = {
    name: arrowField.name,
    nullable: arrowField.nullable,
    arrowType: String(arrowField.type),
    labels: parseJsonMetadata(arrowField.metadata, 'labels', where) as Record<string, string> | undefined,
    config: parseJsonMetadata(arrowField.metadata, 'config', where) as FieldConfig | undefined,
  };
  const typeId = arrowField.type.typeId;
  if (typeId === Type.Timestamp) {
    const timeNs = rawTimestamps(vector);
    const values = timeNs.map((ns) => (ns === null ? null : Number(ns / NANOS_PER_MILLI)));
    return { ...base, type: 'time', values, timeNs };
  }
  if (typeId === Type.Utf8) {
    return { ...base, type: 'string', values: rows(vector, String) };
  }
  if (typeId === Type.Bool) {
    return { ...base, type: 'boolean', values: rows(vector, Boolean) };
  }
  if (typeId === Type.Binary) {
    return { ...base, type: 'other', values: rows(vector, (bytes) => JSON.parse(decoder.decode(bytes as Uint8Array))) };
  }
  const numberType = ARROW_NUMBER_TYPES.get(String(arrowField.type));
  if (numberType) {
    const big = numberType === 'int64' || numberType === 'uint64';
    const values = rows(vector, (value) => (big ? safeInteger(value) : (value as number)));
    if (numberType === 'uint16' && arrowField.metadata.get('tstype') === 'enum') {
      return { ...base, type: 'enum', values: values as Array<number | null> };
    }
    return { ...base, type: 'number', numberType, values };
  }
  throw new Error(`${where}: unsupported conversion from arrow type ${String(arrowField.type)}`);
}

/** Decodes one Arrow IPC file into a frame, rejecting what Grafana rejects (stream format, unsupported types). */
export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  const magic = decoder.decode(bytes.subarray(0, 6));
  if (magic !== 'ARROW1') {
    throw new Error('not an Arrow IPC file (missing ARROW1 magic)');
  }
  // Columns by position from the reader's schema: apache-arrow's Table merges fields that share a name
  // (their metadata and types), and Grafana allows repeated field names.
  const reader = RecordBatchReader.from(bytes).open();
  const { schema } = reader;
  const batches = reader.readAll();
  const metadata = schema.metadata;
  const fields = schema.fields.map((arrowField, index) =>
    decodeField(arrowField, makeVector(batches.map((batch) => batch.data.children[index])))
  );
  const frame: DecodedFrame = {
    name: metadata.get('name') ?? '',
    refId: metadata.get('refId') ?? '',
    fields,
  };
  const meta = parseJsonMetadata(metadata, 'meta', 'frame') as FrameMeta | undefined;
  if (meta !== undefined) {
    // Go zero values, as Grafana reads them: TypeVersion [2]uint is [0, 0], a notice's severity 0 is info.
    frame.meta = { ...meta, typeVersion: meta.typeVersion ?? [0, 0] };
    if (Array.isArray(meta.notices)) {
      frame.meta.notices = meta.notices.map((notice) => ({ ...notice, severity: notice.severity ?? 'info' }));
    }
  }
  return frame;
}

import {
  Binary,
  Bool,
  Field as ArrowField,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampNanosecond,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  tableFromIPC,
  tableToIPC,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';

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

/** Arrow type and backing array of each number storage. */
const NUMBER_STORAGE: Record<NumberType, { arrow: () => DataType; array: NumericArray }> = {
  int8: { arrow: () => new Int8(), array: Int8Array },
  int16: { arrow: () => new Int16(), array: Int16Array },
  int32: { arrow: () => new Int32(), array: Int32Array },
  int64: { arrow: () => new Int64(), array: BigInt64Array },
  uint8: { arrow: () => new Uint8(), array: Uint8Array },
  uint16: { arrow: () => new Uint16(), array: Uint16Array },
  uint32: { arrow: () => new Uint32(), array: Uint32Array },
  uint64: { arrow: () => new Uint64(), array: BigUint64Array },
  float32: { arrow: () => new Float32(), array: Float32Array },
  float64: { arrow: () => new Float64(), array: Float64Array },
};

const NANOS_PER_MILLI = 1_000_000n;

function toEpochNanos(value: number | bigint | Date, fieldName: string): bigint {
  if (typeof value === 'bigint') {
    return value;
  }
  const millis = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(millis)) {
    throw new Error(`field "${fieldName}": time value ${String(value)} is not a valid time`);
  }
  const whole = Math.floor(millis);
  // Keep sub-millisecond fractions without going through float nanoseconds (which loses precision).
  return BigInt(whole) * NANOS_PER_MILLI + BigInt(Math.round((millis - whole) * 1e6));
}

function validityBitmap(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null || value === undefined) {
      nullCount++;
    } else {
      nullBitmap[index >> 3] |= 1 << (index & 7);
    }
  });
  return { nullBitmap, nullCount };
}

/** UTF-8 values written straight into one buffer (no array per value: tables have thousands of strings). */
function variableWidthData(type: Utf8 | Binary, texts: Array<string | null>, nullable: boolean): Data {
  const valueOffsets = new Int32Array(texts.length + 1);
  let total = 0;
  texts.forEach((text, index) => {
    total += text === null ? 0 : Buffer.byteLength(text, 'utf8');
    valueOffsets[index + 1] = total;
  });
  const buffer = Buffer.allocUnsafe(total);
  texts.forEach((text, index) => text !== null && buffer.write(text, valueOffsets[index], 'utf8'));
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, total);
  const { nullBitmap, nullCount } = validityBitmap(texts);
  return makeData({
    type,
    length: texts.length,
    nullCount: nullable ? nullCount : 0,
    nullBitmap: nullable ? nullBitmap : undefined,
    valueOffsets,
    data: bytes,
  } as never);
}

function fixedWidthData(
  type: DataType,
  data: ArrayLike<number | bigint>,
  values: readonly unknown[],
  nullable: boolean
): Data {
  const { nullBitmap, nullCount } = validityBitmap(values);
  return makeData({
    type,
    length: values.length,
    nullCount: nullable ? nullCount : 0,
    nullBitmap: nullable ? nullBitmap : undefined,
    data,
  } as never);
}

function assertNotNull(field: Field, nullable: boolean): void {
  if (!nullable && field.values.some((value) => value === null || value === undefined)) {
    throw new Error(`field "${field.name}" is declared not nullable but holds null values`);
  }
}

function fieldData(field: Field, nullable: boolean): { type: DataType; data: Data; tstype: string } {
  assertNotNull(field, nullable);
  const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
  switch (field.type) {
    case 'time': {
      const nanos = new BigInt64Array(field.values.length);
      field.values.forEach((value, index) => {
        if (present(value)) {
          nanos[index] = toEpochNanos(value, field.name);
        }
      });
      const type = new TimestampNanosecond();
      return { type, data: fixedWidthData(type, nanos, field.values, nullable), tstype: 'time' };
    }
    case 'number':
    case 'enum': {
      const numberType: NumberType = field.type === 'enum' ? 'uint16' : (field.numberType ?? 'float64');
      const storage = new NUMBER_STORAGE[numberType].array(field.values.length) as unknown as Array<number | bigint>;
      const isBig = numberType === 'int64' || numberType === 'uint64';
      field.values.forEach((value, index) => {
        if (present(value)) {
          if (isBig) {
            storage[index] = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
          } else {
            storage[index] = Number(value);
          }
        }
      });
      const type = NUMBER_STORAGE[numberType].arrow();
      return {
        type,
        data: fixedWidthData(type, storage, field.values, nullable),
        tstype: field.type === 'enum' ? 'enum' : 'number',
      };
    }
    case 'boolean': {
      const bits = new Uint8Array(Math.ceil(field.values.length / 8));
      field.values.forEach((value, index) => {
        if (value === true) {
          bits[index >> 3] |= 1 << (index & 7);
        }
      });
      const type = new Bool();
      return { type, data: fixedWidthData(type, bits, field.values, nullable), tstype: 'boolean' };
    }
    case 'string': {
      // Explicit Utf8: Arrow's inference would build a Dictionary, which Grafana rejects.
      const type = new Utf8();
      const texts = field.values.map((value) => (present(value) ? value : null));
      return { type, data: variableWidthData(type, texts, nullable), tstype: 'string' };
    }
    case 'other': {
      const type = new Binary();
      const texts = field.values.map((value) => (present(value) ? JSON.stringify(value) : null));
      return { type, data: variableWidthData(type, texts, nullable), tstype: 'other' };
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

/**
 * Encodes one frame as one Arrow IPC file (magic ARROW1), the form Grafana reads from DataResponse.frames.
 * Throws on frames Grafana would reject (unequal field lengths, non-string labels, nulls in non-nullable fields).
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const length = frameLength(frame);
  const arrowFields: ArrowField[] = [];
  const children: Data[] = [];
  for (const field of frame.fields) {
    if (field.values.length !== length) {
      throw new Error(
        `frame "${frame.name ?? ''}": field "${field.name}" has ${field.values.length} values, expected ${length}`
      );
    }
    validateLabels(field);
    const nullable = field.nullable ?? field.values.some((value) => value === null || value === undefined);
    const { type, data, tstype } = fieldData(field, nullable);
    const metadata = new Map<string, string>();
    if (field.labels) {
      metadata.set('labels', JSON.stringify(field.labels));
    }
    if (field.config) {
      metadata.set('config', JSON.stringify(field.config));
    }
    metadata.set('tstype', tstype);
    arrowFields.push(new ArrowField(field.name, type, nullable, metadata));
    children.push(data);
  }
  const schemaMetadata = new Map<string, string>([
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ]);
  if (frame.meta) {
    schemaMetadata.set('meta', JSON.stringify(frame.meta));
  }
  const schema = new Schema(arrowFields, schemaMetadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(arrowFields), length, nullCount: 0, children }));
  return tableToIPC(new Table(schema, [batch]), 'file');
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
  Object.entries(NUMBER_STORAGE).map(([numberType, storage]) => [String(storage.arrow()), numberType as NumberType])
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
  const table = tableFromIPC(bytes);
  const metadata = table.schema.metadata;
  const fields = table.schema.fields.map((arrowField, index) => decodeField(arrowField, table.getChildAt(index)!));
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

import { frameLength, type Field, type Frame, type NumberType } from './frames';

/**
 * Grafana's JSON form of a data frame (grafana-plugin-sdk-go data.FrameToJSON), the payload of Grafana Live
 * stream packets: `{ schema: { name, refId, meta, fields: [{ name, type, typeInfo: { frame, nullable }, labels,
 * config }] }, data: { values: [[...] per field], entities, nanos } }`. Times are epoch milliseconds with the
 * sub-millisecond rest in `data.nanos`; NaN and ±Inf are null in `values` and listed in `data.entities`.
 */
export type FrameInclude = 'all' | 'schema' | 'data';

/** The Go type name Grafana's JSON reader expects in typeInfo.frame, by our field type. */
function goType(field: Field): string {
  switch (field.type) {
    case 'time':
      return 'time.Time';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'other':
      return 'json.RawMessage';
    case 'enum':
      return 'enum';
    case 'number':
      return field.numberType ?? ('float64' satisfies NumberType);
  }
}

function isNullable(field: Field): boolean {
  return field.nullable ?? field.values.some((value) => value === null || value === undefined);
}

function schemaOf(frame: Frame): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  if (frame.name) {
    schema.name = frame.name;
  }
  if (frame.refId) {
    schema.refId = frame.refId;
  }
  if (frame.meta) {
    schema.meta = frame.meta;
  }
  schema.fields = frame.fields.map((field) => {
    const typeInfo: Record<string, unknown> = { frame: goType(field) };
    if (isNullable(field)) {
      typeInfo.nullable = true;
    }
    const out: Record<string, unknown> = {
      name: field.name,
      type: field.type,
      typeInfo,
    };
    if (field.labels) {
      out.labels = field.labels;
    }
    if (field.config) {
      out.config = field.config;
    }
    return out;
  });
  return schema;
}

type Entity = 'NaN' | 'Inf' | 'NegInf';

function dataOf(frame: Frame): Record<string, unknown> {
  const length = frameLength(frame);
  const entities: Array<Partial<Record<Entity, number[]>> | null> = [];
  const nanos: Array<number[] | null> = [];
  const values = frame.fields.map((field, fieldIndex) => {
    if (field.values.length !== length) {
      throw new Error(
        `frame "${frame.name ?? ''}": field "${field.name}" has ${field.values.length} values, expected ${length}`
      );
    }
    entities[fieldIndex] = null;
    nanos[fieldIndex] = null;
    return field.values.map((value, row) => {
      if (value === null || value === undefined) {
        return null;
      }
      if (field.type === 'time') {
        const v = value as number | bigint | Date;
        if (typeof v === 'bigint') {
          const ms = v / 1_000_000n;
          const rest = Number(v - ms * 1_000_000n);
          if (rest !== 0) {
            (nanos[fieldIndex] ??= new Array<number>(length).fill(0))[row] = rest;
          }
          return Number(ms);
        }
        return v instanceof Date ? v.getTime() : Math.floor(v);
      }
      if (field.type === 'number' && typeof value === 'number' && !Number.isFinite(value)) {
        const kind: Entity = Number.isNaN(value) ? 'NaN' : value > 0 ? 'Inf' : 'NegInf';
        const lookup = (entities[fieldIndex] ??= {});
        (lookup[kind] ??= []).push(row);
        return null;
      }
      if (typeof value === 'bigint') {
        return Number(value);
      }
      return value;
    });
  });
  const data: Record<string, unknown> = { values };
  if (entities.some((entry) => entry !== null)) {
    data.entities = entities;
  }
  if (nanos.some((entry) => entry !== null)) {
    data.nanos = nanos;
  }
  return data;
}

/** Encodes a frame as Grafana's frame JSON (UTF-8), e.g. for a stream packet. */
export function frameToJSON(frame: Frame, include: FrameInclude = 'all'): Buffer {
  const out: Record<string, unknown> = {};
  if (include !== 'data') {
    out.schema = schemaOf(frame);
  }
  if (include !== 'schema') {
    out.data = dataOf(frame);
  }
  return Buffer.from(JSON.stringify(out), 'utf8');
}

/** @jest-environment node */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { RecordBatchReader, Type, tableFromIPC } from 'apache-arrow';
import {
  decodeFrame,
  encodeFrame,
  encodeFrames,
  type DecodedField,
  type DecodedFrame,
  type Field,
  type Frame,
  type NumberType,
} from './frames';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'grafana-fixtures');

// ---- Grafana's JSON frame view (data/frame_json.go): schema + data.values/entities/nanos ----------------

interface JsonViewField {
  name: string;
  type: string;
  typeInfo: { frame: string; nullable?: boolean };
  labels?: Record<string, string>;
  config?: Record<string, unknown>;
}
interface JsonView {
  schema: { name?: string; refId?: string; meta?: Record<string, unknown>; fields: JsonViewField[] };
  data?: {
    values: unknown[][];
    entities?: Array<{ NaN?: number[]; Inf?: number[]; NegInf?: number[] } | null>;
    nanos?: Array<number[] | null>;
  };
}

const NUMBER_TYPES = new Set([
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'float32',
  'float64',
]);

/** JSON view values with NaN/±Inf restored, as numbers, and time as exact nanoseconds. */
function viewValues(view: JsonView, index: number): unknown[] {
  const field = view.schema.fields[index];
  const values = [...(view.data?.values[index] ?? [])];
  const entities = view.data?.entities?.[index];
  entities?.NaN?.forEach((row) => (values[row] = NaN));
  entities?.Inf?.forEach((row) => (values[row] = Infinity));
  entities?.NegInf?.forEach((row) => (values[row] = -Infinity));
  if (field.typeInfo.frame === 'time.Time') {
    const nanos = view.data?.nanos?.[index];
    return values.map((ms, row) =>
      ms === null ? null : BigInt(ms as number) * 1_000_000n + BigInt(nanos?.[row] ?? 0)
    );
  }
  return values;
}

/** Builds the SDK frame holding the same content as a JSON view (what a data source would hand the encoder). */
function frameFromView(view: JsonView): Frame {
  const fields = view.schema.fields.map((field, index): Field => {
    const base = {
      name: field.name,
      labels: field.labels,
      config: field.config,
      nullable: field.typeInfo.nullable ?? false,
    };
    const values = viewValues(view, index);
    const kind = field.typeInfo.frame;
    if (kind === 'time.Time') {
      return { ...base, type: 'time', values: values as Array<bigint | null> };
    }
    if (kind === 'string') {
      return { ...base, type: 'string', values: values as Array<string | null> };
    }
    if (kind === 'bool') {
      return { ...base, type: 'boolean', values: values as Array<boolean | null> };
    }
    if (kind === 'json.RawMessage') {
      return { ...base, type: 'other', values };
    }
    if (kind === 'enum') {
      return { ...base, type: 'enum', values: values as Array<number | null> };
    }
    if (NUMBER_TYPES.has(kind)) {
      const numberType = kind as NumberType;
      // The JSON view rounds 64-bit integers to doubles; the encoder gets exact BigInts where that matters.
      const exact = values.map((value) =>
        value !== null && (numberType === 'int64' || numberType === 'uint64')
          ? jsonIntegerAsBigInt(value as number, numberType)
          : value
      );
      return { ...base, type: 'number', numberType, values: exact as Array<number | bigint | null> };
    }
    throw new Error(`unknown JSON view field type ${kind}`);
  });
  return { name: view.schema.name, refId: view.schema.refId, meta: view.schema.meta as Frame['meta'], fields };
}

/** 2^63 and 2^64 as doubles stand for the Go extremes (the JSON view cannot express them exactly). */
function jsonIntegerAsBigInt(value: number, numberType: 'int64' | 'uint64'): bigint {
  if (numberType === 'int64' && value >= 2 ** 63) {
    return 2n ** 63n - 1n;
  }
  if (numberType === 'uint64' && value >= 2 ** 64) {
    return 2n ** 64n - 1n;
  }
  return BigInt(value);
}

const GRAFANA_TYPE_OF: Record<string, string> = { other: 'other' };

/** Asserts a decoded frame matches a JSON view: names, refId, meta, field names/types/labels/config, values. */
function expectMatchesView(frame: DecodedFrame, view: JsonView): void {
  expect(frame.name).toBe(view.schema.name ?? '');
  expect(frame.refId).toBe(view.schema.refId ?? '');
  expect(frame.meta).toEqual(view.schema.meta);
  expect(frame.fields.map((field) => field.name)).toEqual(view.schema.fields.map((field) => field.name));
  view.schema.fields.forEach((expected, index) => {
    const actual = frame.fields[index];
    expect({ name: actual.name, type: GRAFANA_TYPE_OF[actual.type] ?? actual.type }).toEqual({
      name: expected.name,
      type: expected.type,
    });
    expect(actual.nullable).toBe(expected.typeInfo.nullable ?? false);
    if (actual.type === 'number') {
      expect(actual.numberType).toBe(expected.typeInfo.frame);
    }
    expect(actual.labels).toEqual(expected.labels);
    // Go writes `config: {}` for a field with an empty config and omits the key from the JSON view only when nil.
    expect(actual.config ?? {}).toEqual(expected.config ?? {});
    expectValues(actual, expected, viewValues(view, index));
  });
}

function expectValues(actual: DecodedField, expected: JsonViewField, values: unknown[]): void {
  expect(actual.values).toHaveLength(values.length);
  values.forEach((value, row) => {
    const got = actual.values[row];
    const where = `${expected.name}[${row}]`;
    if (value === null) {
      expect([where, got]).toEqual([where, null]);
    } else if (actual.type === 'time') {
      expect([where, actual.timeNs![row]]).toEqual([where, value]);
      expect([where, got]).toEqual([where, Number((value as bigint) / 1_000_000n)]);
    } else if (expected.typeInfo.frame === 'float32') {
      expect([where, got]).toEqual([where, Math.fround(value as number)]);
    } else if (typeof got === 'bigint') {
      // Beyond 2^53 the JSON view is a rounded double; compare at that precision.
      expect([where, Number(got)]).toEqual([where, value]);
    } else {
      expect([where, got]).toEqual([where, value]);
    }
  });
}

function goldenTxtFrames(file: string): Buffer[] {
  return readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('FRAME='))
    .map((line) => Buffer.from(line.slice('FRAME='.length), 'base64'));
}

function jsoncViews(file: string): JsonView[] {
  const text = readFileSync(path.join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('//'))
    .join('\n');
  return (JSON.parse(text) as { frames: JsonView[] }).frames;
}

/** The human table view in *.golden.txt: per frame its name, dimensions, field names, Go types, first rows. */
function textTables(file: string) {
  const blocks = readFileSync(path.join(FIXTURES, file), 'utf8')
    .split(/^Frame\[\d+\]/m)
    .slice(1);
  return blocks.map((block) => {
    const lines = block.split('\n');
    const name = lines.find((line) => line.startsWith('Name: '))!.slice('Name: '.length);
    const [, fieldCount, rowCount] = /Dimensions: (\d+) Fields by (\d+) Rows/.exec(block)!;
    const cells = (line: string) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
    const tableLines = lines.filter((line) => line.startsWith('|'));
    const names = cells(tableLines[0]).map((cell) => cell.replace(/^Name: ?/, ''));
    const types = cells(tableLines[2]).map((cell) => cell.replace(/^Type: /, ''));
    const rows = tableLines
      .slice(3)
      .map(cells)
      .filter((row) => row[0] !== '...');
    return { name, fields: Number(fieldCount), rows: Number(rowCount), names, types, firstRows: rows };
  });
}

const GO_TYPES: Record<string, string> = {
  string: 'string',
  bool: 'boolean',
  'time.Time': 'time',
  'json.RawMessage': 'other',
};

function goType(field: DecodedField): string {
  const base =
    field.type === 'number'
      ? field.numberType!
      : field.type === 'enum'
        ? 'enum'
        : Object.entries(GO_TYPES).find(([, type]) => type === field.type)![0];
  return `[]${field.nullable ? '*' : ''}${base}`;
}

/** Older Go SDKs omit zero values from `meta` (typeVersion [0, 0], notice severity info); Grafana reads both alike. */
function withGoZeroValues(meta: Record<string, unknown> | undefined) {
  if (!meta) {
    return meta;
  }
  const notices = meta.notices as Array<Record<string, unknown>> | undefined;
  return {
    ...meta,
    typeVersion: meta.typeVersion ?? [0, 0],
    ...(notices ? { notices: notices.map((notice) => ({ ...notice, severity: notice.severity ?? 'info' })) } : {}),
  };
}

/**
 * Reads schema and field metadata straight from the Arrow file (independent of our decoder), from the reader's
 * schema: apache-arrow's Table would merge the fields that share a name.
 */
function arrowLayout(bytes: Uint8Array) {
  const reader = RecordBatchReader.from(bytes).open();
  const { schema } = reader;
  const json = (text: string | undefined) => (text === undefined ? undefined : JSON.parse(text));
  return {
    metadata: {
      name: schema.metadata.get('name'),
      refId: schema.metadata.get('refId'),
      meta: withGoZeroValues(json(schema.metadata.get('meta'))),
    },
    fields: schema.fields.map((field) => ({
      name: field.name,
      type: String(field.type),
      nullable: field.nullable,
      labels: json(field.metadata.get('labels')),
      config: json(field.metadata.get('config')),
      tstype: field.metadata.get('tstype'),
    })),
    rows: reader.readAll().reduce((rows, batch) => rows + batch.numRows, 0),
  };
}

function expectArrowFile(bytes: Uint8Array): void {
  const text = Buffer.from(bytes).toString('latin1');
  expect(text.slice(0, 6)).toBe('ARROW1');
  expect(text.slice(-6)).toBe('ARROW1');
}

// ---------------------------------------------------------------------------------------------------------

describe('decoder reads Grafana golden frames', () => {
  const allTypesBytes = readFileSync(path.join(FIXTURES, 'all_types.golden.arrow'));
  const allTypesView = JSON.parse(readFileSync(path.join(FIXTURES, 'all_types.golden.json'), 'utf8')) as JsonView;

  it('all_types.golden.arrow: every supported type, nullable variants, labels, config, meta, values', () => {
    const frame = decodeFrame(allTypesBytes);
    expect(frame.name).toBe('many_types');
    expect(frame.refId).toBe('A');
    expect(frame.fields).toHaveLength(35);
    expectMatchesView(frame, allTypesView);
  });

  const txtFiles = readdirSync(FIXTURES).filter((file) => file.endsWith('.golden.txt'));

  it('finds the golden response files', () => {
    expect(txtFiles.sort()).toEqual([
      'folder.golden.txt',
      'frame-custom-meta.golden.txt',
      'frame-empty-custom-meta.golden.txt',
      'frame-no-meta.golden.txt',
      'frame-non-custom-meta.golden.txt',
      'large.golden.txt',
    ]);
  });

  describe.each(txtFiles)('%s', (file) => {
    const frames = goldenTxtFrames(file);
    const tables = textTables(file);

    it('every FRAME= line decodes to the table view (name, dimensions, field names, Go types, first rows)', () => {
      expect(frames.length).toBeGreaterThan(0);
      expect(frames).toHaveLength(tables.length);
      frames.forEach((bytes, index) => {
        const frame = decodeFrame(bytes);
        const table = tables[index];
        expect(frame.name).toBe(table.name.trim());
        expect(frame.fields).toHaveLength(table.fields);
        expect(frame.fields.map((field) => field.values.length)).toEqual(frame.fields.map(() => table.rows));
        expect(frame.fields.map((field) => field.name)).toEqual(table.names);
        expect(frame.fields.map(goType)).toEqual(table.types);
        table.firstRows.forEach((row, rowIndex) => {
          frame.fields.forEach((field, fieldIndex) => {
            const value = field.values[rowIndex];
            if (field.type === 'string') {
              expect(value === null ? 'null' : value).toBe(row[fieldIndex]);
            } else if (field.type === 'number') {
              expect(value === null ? 'null' : value).toEqual(
                row[fieldIndex] === 'null' ? 'null' : Number(row[fieldIndex])
              );
            }
          });
        });
      });
    });

    const jsoncFile = file.replace('.txt', '.jsonc');
    // folder and large have no JSON view; their table view above is what they are checked against.
    if (readdirSync(FIXTURES).includes(jsoncFile)) {
      it(`decodes to the JSON view in ${jsoncFile}`, () => {
        const views = jsoncViews(jsoncFile);
        expect(views).toHaveLength(frames.length);
        frames.forEach((bytes, index) => expectMatchesView(decodeFrame(bytes), views[index]));
      });
    }
  });
});

describe('encoder reproduces Grafana golden frames', () => {
  function expectSameAsGolden(golden: Uint8Array, frame: Frame): void {
    const encoded = encodeFrame(frame);
    expectArrowFile(encoded);
    expect(decodeFrame(encoded)).toEqual(decodeFrame(golden));
    // Older Go SDK versions (the experimental fixtures) wrote no `tstype`; we always write it, like all_types.
    const goldenLayout = arrowLayout(golden);
    const ourLayout = arrowLayout(encoded);
    ourLayout.fields.forEach((field, index) => {
      if (goldenLayout.fields[index]?.tstype === undefined) {
        field.tstype = undefined;
      }
    });
    expect(ourLayout).toEqual(goldenLayout);
  }

  it('all_types: same schema, metadata, Arrow types and values as the Go SDK', () => {
    const view = JSON.parse(readFileSync(path.join(FIXTURES, 'all_types.golden.json'), 'utf8')) as JsonView;
    expectSameAsGolden(readFileSync(path.join(FIXTURES, 'all_types.golden.arrow')), frameFromView(view));
  });

  const withJsonc = readdirSync(FIXTURES).filter((file) => file.endsWith('.golden.jsonc'));
  it.each(withJsonc)('%s: every frame', (file) => {
    const goldens = goldenTxtFrames(file.replace('.jsonc', '.txt'));
    const views = jsoncViews(file);
    views.forEach((view, index) => expectSameAsGolden(goldens[index], frameFromView(view)));
  });

  it.each(['folder.golden.txt', 'large.golden.txt'])(
    '%s: re-encoding the decoded frame gives the same frame',
    (file) => {
      for (const golden of goldenTxtFrames(file)) {
        const decoded = decodeFrame(golden);
        const frame: Frame = {
          ...decoded,
          fields: decoded.fields.map((field) => (field.type === 'time' ? { ...field, values: field.timeNs! } : field)),
        };
        expectSameAsGolden(golden, frame);
      }
    }
  );
});

describe('encoder rules Grafana relies on', () => {
  it('writes strings as Utf8 (never Dictionary), time as Timestamp(ns) exactly, numbers as Float64 by default', () => {
    const bytes = encodeFrame({
      name: 'rules',
      fields: [
        {
          name: 'time',
          type: 'time',
          values: [1_700_000_000_123, new Date(1_700_000_000_124), 1_700_000_000_125_000_001n],
        },
        { name: 'chain', type: 'string', values: ['a', 'a', 'b'] },
        { name: 'value', type: 'number', values: [1, 2.5, 3] },
        { name: 'big', type: 'number', numberType: 'int64', values: [2n ** 62n, -1, 0] },
        { name: 'ok', type: 'boolean', values: [true, false, true] },
      ],
    });
    expectArrowFile(bytes);
    const table = tableFromIPC(bytes);
    const typeIds = table.schema.fields.map((field) => field.type.typeId);
    expect(typeIds).toEqual([Type.Timestamp, Type.Utf8, Type.Float, Type.Int, Type.Bool]);
    expect(table.schema.fields.map((field) => String(field.type))).toEqual([
      'Timestamp<NANOSECOND>',
      'Utf8',
      'Float64',
      'Int64',
      'Bool',
    ]);
    expect(Array.from(table.getChildAt(0)!.data[0].values as BigInt64Array)).toEqual([
      1_700_000_000_123_000_000n,
      1_700_000_000_124_000_000n,
      1_700_000_000_125_000_001n,
    ]);
    const decoded = decodeFrame(bytes);
    expect(decoded.fields[3].values).toEqual([2n ** 62n, -1, 0]);
    expect(decoded.fields.every((field) => field.nullable === false)).toBe(true);
  });

  it('marks fields holding nulls nullable and keeps the nulls', () => {
    const decoded = decodeFrame(
      encodeFrame({
        fields: [
          { name: 'v', type: 'number', values: [1, null, 3] },
          { name: 's', type: 'string', values: [null, 'x', ''] },
        ],
      })
    );
    expect(decoded.fields.map((field) => [field.nullable, field.values])).toEqual([
      [true, [1, null, 3]],
      [true, [null, 'x', '']],
    ]);
  });

  it('sets refId, name, meta (data plane type) and field labels/config as Grafana metadata', () => {
    const layout = arrowLayout(
      encodeFrame({
        name: 'failures',
        refId: 'B',
        meta: { type: 'numeric-multi', typeVersion: [0, 1] },
        fields: [{ name: 'count', type: 'number', values: [4], labels: { chain: 'arb' }, config: { unit: 'none' } }],
      })
    );
    expect(layout.metadata).toEqual({
      name: 'failures',
      refId: 'B',
      meta: { type: 'numeric-multi', typeVersion: [0, 1] },
    });
    expect(layout.fields).toEqual([
      {
        name: 'count',
        type: 'Float64',
        nullable: false,
        labels: { chain: 'arb' },
        config: { unit: 'none' },
        tstype: 'number',
      },
    ]);
  });

  it('keeps each field its own type, labels, config and values when field names repeat', () => {
    const fields: Field[] = [
      { name: 'value', type: 'number', values: [1, 2], labels: { chain: 'a' }, config: { unit: 's' } },
      { name: 'value', type: 'number', values: [3, 4], labels: { chain: 'b' }, config: { unit: 'ms' } },
      { name: 'value', type: 'string', values: ['x', 'y'] },
    ];
    const bytes = encodeFrame({ name: 'repeated', fields });
    expect(arrowLayout(bytes).fields.map(({ name, type, labels, config }) => ({ name, type, labels, config }))).toEqual(
      [
        { name: 'value', type: 'Float64', labels: { chain: 'a' }, config: { unit: 's' } },
        { name: 'value', type: 'Float64', labels: { chain: 'b' }, config: { unit: 'ms' } },
        { name: 'value', type: 'Utf8', labels: undefined, config: undefined },
      ]
    );
    expect(
      decodeFrame(bytes).fields.map(({ type, labels, config, values }) => ({ type, labels, config, values }))
    ).toEqual(fields.map(({ type, labels, config, values }) => ({ type, labels, config, values })));
  });

  it('writes epoch milliseconds as exact nanoseconds (negative, fractional, beyond 2^32 ms) and rejects out-of-range times', () => {
    const millis = [
      0,
      -1,
      -1.5,
      1.5,
      0.000001,
      -0.000001,
      1_700_000_000_123.456,
      2 ** 32 - 1,
      2 ** 32,
      -(2 ** 32),
      -(2 ** 32) - 1,
      8.64e12,
      -8.64e12,
      9_223_372_036_854,
      -9_223_372_036_854,
      123_456_789_012.999_999,
    ];
    for (let seed = 1; seed <= 200; seed++) {
      millis.push(Math.round(Math.sin(seed) * 4e12), Math.sin(seed * 7) * 4e12);
    }
    const expected = millis.map((ms) => {
      const whole = Math.floor(ms);
      return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
    });
    const decoded = decodeFrame(encodeFrame({ fields: [{ name: 'time', type: 'time', values: millis }] }));
    expect(decoded.fields[0].timeNs).toEqual(expected);
    expect(() => encodeFrame({ fields: [{ name: 't', type: 'time', values: [9_223_372_036_855] }] })).toThrow(
      /time value 9223372036855 is not a valid time/
    );
    expect(() => encodeFrame({ fields: [{ name: 't', type: 'time', values: [new Date(NaN)] }] })).toThrow(
      /not a valid time/
    );
  });

  it('encodes frames with no fields and with no rows', () => {
    expect(decodeFrame(encodeFrame({ name: 'empty', fields: [] }))).toEqual({ name: 'empty', refId: '', fields: [] });
    const noRows = decodeFrame(encodeFrame({ fields: [{ name: 'time', type: 'time', values: [] }] }));
    expect(noRows.fields[0]).toMatchObject({ name: 'time', type: 'time', values: [] });
  });

  it('encodes the frames of a response that share a values array as each alone, whatever type each field gives it', () => {
    const times = [1_000, 2_000, null];
    const frames: Frame[] = [
      {
        name: 'a',
        fields: [
          { name: 'time', type: 'time', values: times },
          { name: 'v', type: 'number', values: [1, 2, 3] },
        ],
      },
      { name: 'b', fields: [{ name: 'time', type: 'time', values: times, nullable: true }] },
      { name: 'c', fields: [{ name: 'n', type: 'number', numberType: 'int32', values: times }] },
      { name: 'd', fields: [{ name: 'n', type: 'number', values: times }] },
    ];
    const together = encodeFrames(frames).map((bytes) => Buffer.from(bytes));
    expect(together).toEqual(frames.map((frame) => Buffer.from(encodeFrame(frame))));
    expect(decodeFrame(together[3]).fields[0]).toMatchObject({ numberType: 'float64', values: [1_000, 2_000, null] });
  });

  it('encodes a frame whose schema it encoded before with its own values and rows, and any schema change as new', () => {
    const frame = (values: Array<number | null>, unit: string, label: string): Frame => ({
      name: 'series',
      refId: 'A',
      fields: [
        { name: 'time', type: 'time', values: values.map((_, i) => 1_000 * (i + 1)) },
        { name: 'value', type: 'number', values, labels: { deployment: label }, config: { unit } },
      ],
    });
    const first = frame([1, 2, 3], 'short', 'a');
    const again = frame([7, 8], 'short', 'a');
    const withNull = frame([null, 5], 'short', 'a');
    const otherUnit = frame([1, 2, 3], 'percentunit', 'a');
    const otherLabel = frame([1, 2, 3], 'short', 'b');
    const encoded = [first, again, withNull, otherUnit, otherLabel, first].map(encodeFrame);
    expect(encoded[5]).toEqual(encoded[0]);
    const decoded = encoded.map((bytes) => decodeFrame(bytes).fields[1]);
    expect(decoded.map((field) => field.values)).toEqual([
      [1, 2, 3],
      [7, 8],
      [null, 5],
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(decoded.map((field) => field.nullable)).toEqual([false, false, true, false, false, false]);
    expect(decoded.map((field) => field.config?.unit)).toEqual([
      'short',
      'short',
      'short',
      'percentunit',
      'short',
      'short',
    ]);
    expect(decoded.map((field) => field.labels?.deployment)).toEqual(['a', 'a', 'a', 'a', 'b', 'a']);
    // Apache Arrow's own reader takes the reused schema too (the footer's copy included).
    expect(tableFromIPC(encoded[1]).numRows).toBe(2);
  });

  it('rejects frames Grafana would reject', () => {
    expect(() =>
      encodeFrame({
        fields: [
          { name: 'a', type: 'number', values: [1, 2] },
          { name: 'b', type: 'number', values: [1] },
        ],
      })
    ).toThrow(/field "b" has 1 values, expected 2/);
    expect(() => encodeFrame({ fields: [{ name: 'a', type: 'number', nullable: false, values: [null] }] })).toThrow(
      /not nullable/
    );
    expect(() =>
      encodeFrame({ fields: [{ name: 'a', type: 'number', values: [1], labels: { k: 1 as unknown as string } }] })
    ).toThrow(/label k must be a string/);
    expect(() => encodeFrame({ fields: [{ name: 't', type: 'time', values: [NaN] }] })).toThrow(/not a valid time/);
  });

  it('decoder refuses the Arrow stream format, which Grafana cannot read', () => {
    const stream = Buffer.from('ffffffff00000000', 'hex');
    expect(() => decodeFrame(stream)).toThrow(/ARROW1/);
  });
});

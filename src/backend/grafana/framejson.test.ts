/** @jest-environment node */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { frameToJSON } from './framejson';
import { decodeFrame, numberField, stringField, timeField, type Field, type Frame } from './frames';

const FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'grafana-fixtures');

type FrameJson = {
  schema: { name?: string; refId?: string; meta?: unknown; fields: Array<Record<string, unknown>> };
  data: { values: unknown[][]; entities?: unknown[]; nanos?: unknown[] };
};

const parse = (frame: Frame, include?: 'all' | 'schema' | 'data') =>
  JSON.parse(frameToJSON(frame, include).toString('utf8')) as FrameJson;

describe('frameToJSON (Grafana frame JSON, the payload of stream packets)', () => {
  it("writes Grafana's golden frame as the Go SDK does (all_types.golden.arrow → all_types.golden.json)", () => {
    const golden = JSON.parse(readFileSync(path.join(FIXTURES, 'all_types.golden.json'), 'utf8')) as FrameJson;
    const decoded = decodeFrame(readFileSync(path.join(FIXTURES, 'all_types.golden.arrow')));
    // Exact times: the decoder's nanoseconds, so that the sub-millisecond rest goes to data.nanos.
    const frame: Frame = {
      ...decoded,
      fields: decoded.fields.map(
        ({ arrowType: _arrowType, timeNs, ...field }) =>
          (field.type === 'time' && timeNs ? { ...field, values: timeNs } : field) as Field
      ),
    };
    const ours = parse(frame);
    expect(ours.schema).toEqual(golden.schema);
    expect(ours.data.nanos).toEqual(golden.data.nanos);
    expect(ours.data.entities).toEqual(golden.data.entities);
    ours.schema.fields.forEach((field, i) => {
      const info = field.typeInfo as { frame: string };
      // float32 values are printed by Go in float32's shortest form; compare them as float32.
      const normalise = (values: unknown[]) =>
        info.frame === 'float32' ? values.map((v) => (typeof v === 'number' ? Math.fround(v) : v)) : values;
      expect([field.name, normalise(ours.data.values[i])]).toEqual([field.name, normalise(golden.data.values[i])]);
    });
  });

  it('schema only, data only; nullable inferred from nulls', () => {
    const frame: Frame = {
      name: 'events',
      refId: 'A',
      meta: { channel: 'ds/uid/v1/events' },
      fields: [
        timeField('time', [1000, 2000]),
        stringField('tx_id', ['0xab', null]),
        numberField('n', [1, 2], { numberType: 'int64' }),
      ],
    };
    const schema = parse(frame, 'schema');
    expect(schema.data).toBeUndefined();
    expect(schema.schema.fields).toEqual([
      { name: 'time', type: 'time', typeInfo: { frame: 'time.Time' } },
      { name: 'tx_id', type: 'string', typeInfo: { frame: 'string', nullable: true } },
      { name: 'n', type: 'number', typeInfo: { frame: 'int64' } },
    ]);
    const data = parse(frame, 'data');
    expect(data.schema).toBeUndefined();
    expect(data.data).toEqual({
      values: [
        [1000, 2000],
        ['0xab', null],
        [1, 2],
      ],
    });
  });

  it('refuses fields of unequal length', () => {
    expect(() => frameToJSON({ fields: [timeField('time', [1]), numberField('v', [])] })).toThrow('has 0 values');
  });
});

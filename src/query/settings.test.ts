import { parseIndexStore } from './settings';

describe('parseIndexStore retention', () => {
  const parse = (retention: unknown) => parseIndexStore({ indexStore: { retention } });

  it('keeps everything by default', () => {
    expect(parseIndexStore({ indexStore: { kind: 'file' } })).toEqual({ store: { kind: 'file' }, errors: [] });
    expect(parse(null)).toEqual({ store: {}, errors: [] });
  });

  it('accepts a count of events or a number of days', () => {
    expect(parse({ events: 500 })).toEqual({ store: { retention: { events: 500 } }, errors: [] });
    expect(parse({ days: 0.5 })).toEqual({ store: { retention: { days: 0.5 } }, errors: [] });
  });

  it.each([
    [{ events: 0 }, 'the retention in events must be a whole number above 0, not 0'],
    [{ events: 2.5 }, 'the retention in events must be a whole number above 0, not 2.5'],
    [{ events: '10' }, 'the retention in events must be a whole number above 0, not "10"'],
    [{ days: -1 }, 'the retention in days must be a number of days above 0, not -1'],
    [{ events: 10, days: 1 }, 'the retention must give exactly one of events or days'],
    [{}, 'the retention must give exactly one of events or days'],
    [7, 'the retention is not an object such as {"events": 1000000} or {"days": 30}'],
  ])('reports %j and keeps everything', (retention, message) => {
    expect(parse(retention)).toEqual({
      store: {},
      errors: [`Index store: ${message}; the whole history is kept`],
    });
  });
});

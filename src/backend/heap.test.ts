import { trimDue } from './heap';

const MB = 1024 * 1024;

describe('trimDue', () => {
  it('waits for the budget while little survives', () => {
    expect(trimDue(40 * MB, 0)).toBe(false);
    expect(trimDue(49 * MB, 0)).toBe(true);
    expect(trimDue(49 * MB, 30 * MB)).toBe(true);
  });

  it('waits for half again what survived the last trim once that is above the budget', () => {
    expect(trimDue(140 * MB, 100 * MB)).toBe(false);
    expect(trimDue(151 * MB, 100 * MB)).toBe(true);
  });
});

/** @jest-environment node */
/**
 * The README's Queries table against the query catalog (src/query/catalog.ts): every metric, health field
 * and variable kind the editor offers is named in its row, so a new catalog entry cannot go undocumented.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HEALTH_FIELD_NAMES, METRIC_NAMES, VARIABLE_KINDS } from '../../src/query/catalog';

const README = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

/** The `code` spans of the Queries table's row for one query kind (its first cell is `**kind**`). */
function namesInRow(kind: string): Set<string> {
  const section = README.split(/^## /m).find((part) => part.startsWith('Queries\n'));
  if (!section) {
    throw new Error('README.md has no "## Queries" section');
  }
  // Prettier pads the cells, so the first cell is matched trimmed.
  const row = section.split('\n').find((line) => line.split('|')[1]?.trim() === `**${kind}**`);
  if (!row) {
    throw new Error(`the Queries table has no row for ${kind}`);
  }
  return new Set([...row.matchAll(/`([^`]+)`/g)].map((match) => match[1]));
}

describe("README's Queries table", () => {
  it.each([
    ['metrics', METRIC_NAMES as readonly string[]],
    ['health', HEALTH_FIELD_NAMES as readonly string[]],
    ['variables', VARIABLE_KINDS.map((kind) => kind.value)],
  ])('names every %s entry of the query catalog', (kind, catalog) => {
    const named = namesInRow(kind);
    expect(catalog.filter((name) => !named.has(name))).toEqual([]);
  });
});

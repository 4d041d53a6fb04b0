/** @jest-environment node */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { interpolate, loadCompose } from '../support/compose';

describe('compose variable interpolation', () => {
  const env = { SET: 'value', EMPTY: '' };

  it.each([
    ['$SET and ${SET}', 'value and value'],
    ['${UNSET}|$UNSET', '|'],
    ['${UNSET:-fallback} ${EMPTY:-fallback} ${SET:-fallback}', 'fallback fallback value'],
    ['${UNSET-fallback} ${EMPTY-fallback}', 'fallback '],
    ['${SET:+alt} ${EMPTY:+alt} ${EMPTY+alt} ${UNSET+alt}', 'alt  alt '],
    ['${UNSET:-${SET}-x}', 'value-x'],
    ['$$(dpkg --print-architecture) $$SET', '$(dpkg --print-architecture) $SET'],
    ['cost: 5$', 'cost: 5$'],
  ])('%s', (input, expected) => {
    expect(interpolate(input, env)).toBe(expected);
  });

  it('fails on a missing required variable, and on an empty one with :?', () => {
    expect(() => interpolate('${UNSET?set it}', env)).toThrow(/UNSET is missing: set it/);
    expect(() => interpolate('${EMPTY:?set it}', env)).toThrow(/EMPTY is missing/);
    expect(interpolate('${EMPTY?set it}', env)).toBe('');
    expect(() => interpolate('${SET', env)).toThrow(/unclosed/);
  });
});

describe('loadCompose', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'compose-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (yaml: string, env: Record<string, string> = {}) => {
    const file = path.join(dir, 'compose.yaml');
    writeFileSync(file, yaml);
    return loadCompose(file, env);
  };

  it('resolves merge keys and variables, and keeps what compose accepts', () => {
    const config = load(
      [
        'x-base: &base',
        '  image: node:${NODE:-20}',
        'services:',
        '  app:',
        '    <<: *base',
        "    ports: ['8545-8547:8545-8547', '127.0.0.1:3000:3000/tcp']",
        '    healthcheck: { test: [CMD, "true"], interval: 1m30s }',
        '    volumes: [data:/data, ./src:/src:ro]',
        'volumes:',
        '  data:',
      ].join('\n'),
      { NODE: '22' }
    );
    expect(config.services.app.image).toBe('node:22');
  });

  it.each([
    ['a misspelt key', 'services:\n  app:\n    imag: x\n', /must NOT have additional properties/],
    [
      'a bad duration',
      'services:\n  app:\n    image: x\n    healthcheck: { interval: 2 seconds }\n',
      /format "duration"/,
    ],
    ['an unknown dependency', 'services:\n  app:\n    image: x\n    depends_on: [db]\n', /undefined service db/],
    [
      'a shared network of no service',
      'services:\n  app:\n    image: x\n    network_mode: service:db\n',
      /undefined service db/,
    ],
    [
      'an undeclared named volume',
      'services:\n  app:\n    image: x\n    volumes: [data:/data]\n',
      /undefined volume data/,
    ],
  ])('rejects %s', (_case, yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
  });
});

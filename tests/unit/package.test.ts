/** @jest-environment node */
/**
 * scripts/package.ts on a minimal dist/: what it changes in plugin.json, and that a signed build
 * (MANIFEST.txt present) keeps every file as signed. The full archive is checked in
 * tests/integration/packaging.test.ts on the real build.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { packagePlugin } from '../../scripts/package';

describe('packagePlugin', () => {
  let root: string;
  let dist: string;
  // As create-plugin's webpack writes it: four spaces, with buildMode.
  const builtPluginJson = (buildMode: string) =>
    JSON.stringify({ id: 'test-monitor-app', type: 'app', info: { version: '1.2.3' }, buildMode }, null, 4);

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'package-'));
    dist = path.join(root, 'dist');
    mkdirSync(dist);
    writeFileSync(path.join(dist, 'module.js'), 'define([], () => ({}));\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const pluginJsonInZip = () =>
    new AdmZip(packagePlugin(dist, path.join(root, 'out')).zip).getEntry('test-monitor-app/plugin.json')!.getData();

  it('drops buildMode from an unsigned production build, for the catalog schema', () => {
    writeFileSync(path.join(dist, 'plugin.json'), builtPluginJson('production'));
    expect(JSON.parse(pluginJsonInZip().toString('utf8'))).toEqual({
      id: 'test-monitor-app',
      type: 'app',
      info: { version: '1.2.3' },
    });
  });

  it('ships plugin.json of a signed build byte for byte, so that it still matches MANIFEST.txt', () => {
    const signedPluginJson = builtPluginJson('production');
    writeFileSync(path.join(dist, 'plugin.json'), signedPluginJson);
    writeFileSync(path.join(dist, 'MANIFEST.txt'), '-----BEGIN PGP SIGNED MESSAGE-----\n');
    expect(pluginJsonInZip().toString('utf8')).toBe(signedPluginJson);
  });

  it('refuses a development build, signed or not', () => {
    writeFileSync(path.join(dist, 'plugin.json'), builtPluginJson('development'));
    expect(pluginJsonInZip).toThrow(/development build/);
    writeFileSync(path.join(dist, 'MANIFEST.txt'), '-----BEGIN PGP SIGNED MESSAGE-----\n');
    expect(pluginJsonInZip).toThrow(/development build/);
  });
});

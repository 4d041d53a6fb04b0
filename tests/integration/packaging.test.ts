/**
 * `npm run package` on the built plugin, checked the way Grafana's plugin validator would (it cannot
 * run here: it downloads its binary): plugin.json files against the published schema, the archive
 * layout Grafana installs, backend executables per platform with their exec bit, logos, README and
 * CHANGELOG, and nothing leaked (source paths, keys). Also: docker-compose.yaml as compose reads it
 * (tests/support/compose.ts: the compose specification's schema, no Docker binary).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import Ajv from 'ajv';
import { ELF_MACHINE, elfMachine, elfNeeded } from '../../scripts/elf';
import { loadCompose } from '../support/compose';

const ROOT = path.resolve(__dirname, '..', '..');
// CI clones the repository with ../shared beside it.
const SCHEMA_PATH = path.resolve(ROOT, '../shared/grafana-schemas/plugin.schema.json');
const TARGETS = [
  { target: 'linux_amd64', machine: ELF_MACHINE.amd64, loader: 'ld-linux-x86-64.so.2' },
  { target: 'linux_arm64', machine: ELF_MACHINE.arm64, loader: 'ld-linux-aarch64.so.1' },
];
/** The Node binary with the backend injected, in each runtime folder, and the fuse postject flips. */
const SEA_BINARY = 'gpx_tesseract_monitor';
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Private keys of anvil's well-known accounts: test keys, but they must never ship in a bundle. */
const ANVIL_KEY_PREFIXES = ['ac0974bec39a17e3', '59c6995e998f97a5', '5de4111afa1a4b94'];

type Json = Record<string, any>;

interface Packaged {
  zipPath: string;
  zip: AdmZip;
  entries: Map<string, AdmZip.IZipEntry>;
  id: string;
}

let packaged: Packaged;

beforeAll(() => {
  const run = spawnSync('npm', ['run', '--silent', 'package'], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`npm run package failed (${run.status}): ${run.stderr}${run.stdout}`);
  }
  const zipPath = path.resolve(ROOT, run.stdout.trim().split('\n')[0]);
  const zip = new AdmZip(zipPath);
  const entries = new Map(zip.getEntries().map((entry) => [entry.entryName, entry]));
  const id = (JSON.parse(readFileSync(path.join(ROOT, 'src', 'plugin.json'), 'utf8')) as Json).id as string;
  packaged = { zipPath, zip, entries, id };
});

const text = (name: string) => {
  const entry = packaged.entries.get(name);
  if (!entry) {
    throw new Error(`${name} is not in the archive`);
  }
  return entry.getData().toString('utf8');
};
const pluginJsonNames = () => [...packaged.entries.keys()].filter((name) => name.endsWith('/plugin.json'));
const unixMode = (entry: AdmZip.IZipEntry) => (entry.header.attr >>> 16) & 0o777;
/** The octal mode of a regular-file entry (Grafana's installer keeps it), failing for a missing entry. */
const regularFileMode = (name: string) => {
  const entry = packaged.entries.get(name);
  expect({ name, present: entry !== undefined }).toEqual({ name, present: true });
  expect((entry!.header.attr >>> 16) & 0o170000).toBe(0o100000);
  return unixMode(entry!).toString(8);
};

describe('npm run package', () => {
  it('writes <id>-<version>.zip with matching sha1 and md5 files', () => {
    const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Json).version;
    expect(path.basename(packaged.zipPath)).toBe(`${packaged.id}-${version}.zip`);
    const content = readFileSync(packaged.zipPath);
    for (const algorithm of ['sha1', 'md5']) {
      const digest = createHash(algorithm).update(content).digest('hex');
      expect(readFileSync(`${packaged.zipPath}.${algorithm}`, 'utf8')).toBe(
        `${digest}  ${path.basename(packaged.zipPath)}\n`
      );
    }
  });

  it('puts everything under the plugin id, with the app and the nested data source', () => {
    for (const name of packaged.entries.keys()) {
      expect(name.startsWith(`${packaged.id}/`)).toBe(true);
    }
    for (const file of [
      'module.js',
      'plugin.json',
      'README.md',
      'CHANGELOG.md',
      'LICENSE',
      'datasource/plugin.json',
      'datasource/module.js',
    ]) {
      expect(packaged.entries.has(`${packaged.id}/${file}`)).toBe(true);
    }
    expect(pluginJsonNames().sort()).toEqual([`${packaged.id}/datasource/plugin.json`, `${packaged.id}/plugin.json`]);
    // Sources, dependencies and local settings stay out.
    for (const name of packaged.entries.keys()) {
      expect(name).not.toMatch(/\.tsx?$|node_modules|\/\.env|\.DS_Store/);
    }
  });

  it('ships plugin.json files that are valid against the plugin schema, with version and date filled in', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Json;
    // The schema's patterns are ECMA-262 without the u flag (e.g. "\-").
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    for (const name of pluginJsonNames()) {
      const plugin = JSON.parse(text(name)) as Json;
      const valid = validate(plugin);
      expect({ name, errors: valid ? [] : validate.errors }).toEqual({ name, errors: [] });
      expect(plugin.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(plugin.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // The nested data source is found by Grafana only when its id differs from the app's.
      expect(plugin.id.startsWith('tesseract-monitor-')).toBe(true);
    }
  });

  it('ships the logos, screenshots and included dashboards each plugin.json names', () => {
    // The catalog page shows the app's screenshots.
    expect((JSON.parse(text(`${packaged.id}/plugin.json`)) as Json).info.screenshots.length).toBeGreaterThan(0);
    for (const name of pluginJsonNames()) {
      const dir = path.posix.dirname(name);
      const plugin = JSON.parse(text(name)) as Json;
      const files = [
        plugin.info.logos.small,
        plugin.info.logos.large,
        ...((plugin.info.screenshots as Json[] | undefined) ?? []).map((s) => s.path),
        ...((plugin.includes as Json[] | undefined) ?? []).filter((i) => i.type === 'dashboard').map((i) => i.path),
      ];
      for (const file of files) {
        expect({ plugin: plugin.id, file, present: packaged.entries.has(path.posix.join(dir, file)) }).toEqual({
          plugin: plugin.id,
          file,
          present: true,
        });
      }
      for (const screenshot of (plugin.info.screenshots as Json[] | undefined) ?? []) {
        const png = packaged.entries.get(path.posix.join(dir, screenshot.path))!.getData();
        expect({ screenshot: screenshot.path, png: png.subarray(0, 8).toString('latin1') }).toEqual({
          screenshot: screenshot.path,
          png: '\x89PNG\r\n\x1a\n',
        });
      }
      for (const include of ((plugin.includes as Json[] | undefined) ?? []).filter((i) => i.type === 'dashboard')) {
        expect((JSON.parse(text(path.posix.join(dir, include.path))) as Json).uid).toBe(include.uid);
      }
    }
  });

  it('ships a launcher per platform, named from `executable`, mode 0755, that runs the bundled loader', () => {
    const backends = pluginJsonNames()
      .map((name) => ({ dir: path.posix.dirname(name), plugin: JSON.parse(text(name)) as Json }))
      .filter(({ plugin }) => plugin.backend === true);
    expect(backends.map(({ plugin }) => plugin.id)).toEqual(['tesseract-monitor-datasource']);
    for (const { dir, plugin } of backends) {
      expect(plugin.executable).toMatch(/^gpx_/);
      for (const { target, loader } of TARGETS) {
        const name = `${dir}/${plugin.executable}_${target}`;
        expect(regularFileMode(name)).toBe('755');
        const runtime = `$d/runtime_${target}`;
        // Builtins only (case, unset, export, exec): it runs with an empty PATH and keeps the PID Grafana started.
        expect(text(name).split('\n')).toEqual([
          '#!/bin/sh',
          expect.stringMatching(/^# /),
          'case $0 in */*) d=${0%/*} ;; *) d=. ;; esac',
          'unset PATH PWD SHLVL',
          'export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-1}',
          `exec "${runtime}/${loader}" --library-path "${runtime}" "${runtime}/${SEA_BINARY}" "$@"`,
          '',
        ]);
      }
    }
  });

  it('ships per platform a runtime folder: the Node binary and every library it needs, for that CPU', () => {
    for (const { target, machine, loader } of TARGETS) {
      const runtime = `${packaged.id}/datasource/runtime_${target}`;
      const elf = (file: string) => {
        const data = packaged.entries.get(`${runtime}/${file}`)?.getData();
        expect({ file: `${runtime}/${file}`, present: data !== undefined }).toEqual({
          file: `${runtime}/${file}`,
          present: true,
        });
        expect({ file, machine: elfMachine(data!) }).toEqual({ file, machine });
        return data!;
      };
      const node = elf(SEA_BINARY);
      expect(node.includes(`${SEA_FUSE}:1`)).toBe(true);
      expect(regularFileMode(`${runtime}/${loader}`)).toBe('755');
      // Every DT_NEEDED, transitively, is beside it: nothing comes from the host's libraries.
      const seen = new Set<string>();
      const pending = elfNeeded(node);
      while (pending.length > 0) {
        const library = pending.pop()!;
        if (!seen.has(library)) {
          seen.add(library);
          pending.push(...elfNeeded(elf(library)));
        }
      }
      expect([...seen]).toContain(loader);
      // glibc (LGPL) and the GCC runtime ship with their copyright files and the Debian packages they are from.
      for (const file of ['SOURCES', 'gcc-12-cross-base', `libc6-${target.replace('linux_', '')}-cross`]) {
        const size = packaged.entries.get(`${runtime}/copyright/${file}`)?.header.size ?? 0;
        expect({ file, nonEmpty: size > 0 }).toEqual({ file, nonEmpty: true });
      }
    }
  });

  it('leaks no absolute source paths or keys through bundles and source maps', () => {
    const textual = [...packaged.entries.keys()].filter((name) => /\.(js|map|json|md|txt|svg)$/.test(name));
    expect(textual.some((name) => name.endsWith('.map'))).toBe(true);
    for (const name of textual) {
      const content = text(name);
      expect({ name, leaksRepoPath: content.includes(ROOT) }).toEqual({ name, leaksRepoPath: false });
      for (const prefix of ANVIL_KEY_PREFIXES) {
        expect({ name, leaksKey: content.includes(prefix) }).toEqual({ name, leaksKey: false });
      }
      expect(content).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|hooks\.slack\.com\/services\/T/);
      if (name.endsWith('.map')) {
        const sources = (JSON.parse(content) as { sources: string[] }).sources;
        for (const source of sources) {
          expect({ name, source, absolute: /^(\/|file:|[A-Za-z]:\\)/.test(source) }).toEqual({
            name,
            source,
            absolute: false,
          });
        }
      }
    }
  });
});

describe('docker-compose.yaml', () => {
  // As `docker compose config` would read it in a shell with none of the file's variables set.
  const composeConfig = (env: Record<string, string> = {}): Json =>
    loadCompose(path.join(ROOT, 'docker-compose.yaml'), env);

  it('is valid for compose and runs Grafana 13 (default Alpine image, pinned) with the plugin and provisioning mounted', () => {
    const config = composeConfig();
    const grafana = config.services.grafana as Json;
    expect(grafana.image).toMatch(/^grafana\/grafana:13\.\d+\.\d+$/);
    expect(composeConfig({ GRAFANA_VERSION: '11.0.0' }).services.grafana.image).toBe('grafana/grafana:11.0.0');
    const mounts = (grafana.volumes as Array<string | Json>).map((volume) =>
      typeof volume === 'string' ? volume : `${volume.source}:${volume.target}`
    );
    expect(mounts).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`/dist:/var/lib/grafana/plugins/${packaged.id}(:|$)`)),
        expect.stringMatching(/\/provisioning:\/etc\/grafana\/provisioning(:|$)/),
      ])
    );
    const ids = pluginJsonNames().map((name) => (JSON.parse(text(name)) as Json).id as string);
    const allowed = String(grafana.environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',');
    expect(allowed.sort()).toEqual(ids.sort());
    // A secret set empty in the caller's environment still reaches Grafana as a working default.
    const emptySlack = composeConfig({ SLACK_WEBHOOK_URL: '' }).services.grafana as Json;
    expect(emptySlack.environment.SLACK_WEBHOOK_URL).toMatch(/^https?:\/\/\S+/);
  });

  it('builds the plugin when dist/ is missing and starts Grafana only after the build and the devnet', () => {
    const config = composeConfig();
    const services = config.services as Json;
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['builder', 'devnet', 'simulator', 'grafana']));
    expect(JSON.stringify(services.builder.command)).toMatch(/npm ci/);
    expect(JSON.stringify(services.builder.command)).toMatch(/npm run build/);
    expect(services.grafana.depends_on.builder.condition).toBe('service_completed_successfully');
    expect(services.grafana.depends_on.devnet.condition).toBe('service_healthy');
    expect(services.devnet.healthcheck).toBeDefined();
    expect(JSON.stringify(services.devnet.command)).toMatch(
      /--host 0\.0\.0\.0.*--no-simulate|--no-simulate.*--host 0\.0\.0\.0/
    );
    expect(services.simulator.depends_on.devnet.condition).toBe('service_healthy');
  });
});

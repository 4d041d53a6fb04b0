/**
 * Grafana's default image (`grafana/grafana`, also the Helm chart's) is Alpine: musl libc and busybox, no
 * glibc. This builds such a root from Debian's `musl` and `busybox-static`, installs the packaged plugin
 * into it the way Grafana unzips a plugin, starts the backend there with chroot as Grafana starts it (the
 * go-plugin variables and nothing else in the environment, handshake on stdout) and asks it over gRPC, as
 * Grafana would, for CheckHealth, a health query and a metrics query against the anvil devnet.
 * Needs root (chroot, mknod, a private /proc mount); CI runs as root.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { JsonRpc, summarizeLedger } from '../../devnet';
import type { DecodedFrame } from '../../src/backend/grafana/frames';
import { elfNeeded } from '../../scripts/elf';
import { packagePlugin } from '../../scripts/package';
import { PluginHost, REPO_ROOT, type SettingsInput } from '../../harness/plugin-host';
import { monitorSettings } from '../../harness/monitor';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';

const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const MUSL_LOADER = `ld-musl-${ARCH === 'arm64' ? 'aarch64' : 'x86_64'}.so.1`;
const GLIBC_LOADER = ARCH === 'arm64' ? 'ld-linux-aarch64.so.1' : 'ld-linux-x86-64.so.2';
/** Where the Grafana image keeps plugins (GF_PATHS_PLUGINS). */
const PLUGINS_DIR = '/var/lib/grafana/plugins';
const DATASOURCE_DIR = `${PLUGINS_DIR}/tesseract-monitor-app/datasource`;
const EXECUTABLE = `${DATASOURCE_DIR}/gpx_tesseract_monitor_linux_${ARCH}`;
/** A compose service name, resolved through /etc/hosts as in a container. */
const DEVNET_HOST = 'devnet';

let root: string;
let sim: SimulatedDevnet;
let host: PluginHost;
let settings: SettingsInput;

/** Every file and link under `dir`, relative to it, not descending into `skip` (relative paths). */
function walk(dir: string, skip: string[], prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    if (skip.includes(relative)) {
      return [];
    }
    return entry.isDirectory() ? walk(dir, skip, relative) : [relative];
  });
}

function run(file: string, args: string[]): void {
  const result = spawnSync(file, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
}

/**
 * Alpine's layout: busybox with its sh link, the musl loader (which is musl's libc) and libc's second name,
 * the device nodes and /etc/hosts a container runtime provides, and an empty /proc.
 */
function buildMuslRoot(dir: string): void {
  const busybox = '/bin/busybox';
  const musl = `/lib/${MUSL_LOADER}`;
  if (!existsSync(busybox) || elfNeeded(readFileSync(busybox)).length > 0 || !existsSync(musl)) {
    throw new Error('needs a static /bin/busybox and musl: apt-get install -y busybox-static musl');
  }
  for (const sub of ['bin', 'lib', 'etc', 'dev', 'proc', 'tmp', PLUGINS_DIR.slice(1)]) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  copyFileSync(busybox, path.join(dir, 'bin', 'busybox'));
  symlinkSync('busybox', path.join(dir, 'bin', 'sh'));
  copyFileSync(realpathSync(musl), path.join(dir, 'lib', MUSL_LOADER));
  symlinkSync(MUSL_LOADER, path.join(dir, 'lib', MUSL_LOADER.replace('ld-musl', 'libc.musl')));
  for (const [name, minor] of [
    ['null', 3],
    ['zero', 5],
    ['random', 8],
    ['urandom', 9],
  ] as const) {
    run('mknod', ['-m', '666', path.join(dir, 'dev', name), 'c', '1', String(minor)]);
  }
  writeFileSync(
    path.join(dir, 'etc', 'hosts'),
    `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.0.1\t${DEVNET_HOST}\n`
  );
  chmodSync(path.join(dir, 'tmp'), 0o1777);
}

/**
 * Unzips the plugin as Grafana's installer does (pkg/plugins/storage/fs.go extractFile): each file with
 * the mode its zip entry carries, and 0755 forced on names ending in _linux_amd64 / _linux_arm64.
 */
function installZip(zipPath: string, pluginsDir: string): void {
  for (const entry of new AdmZip(zipPath).getEntries()) {
    const target = path.join(pluginsDir, entry.entryName);
    if (entry.isDirectory) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.getData());
    const forced = /_linux_(amd64|arm64)$/.test(entry.entryName);
    chmodSync(target, forced ? 0o755 : (entry.header.attr >>> 16) & 0o777);
  }
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('the musl-root test needs root (chroot, mknod, mounting /proc): run it as root, as CI does');
  }
  root = mkdtempSync(path.join(os.tmpdir(), 'musl-root-'));
  buildMuslRoot(root);
  const artifacts = mkdtempSync(path.join(os.tmpdir(), 'musl-root-zip-'));
  try {
    installZip(packagePlugin(path.join(REPO_ROOT, 'dist'), artifacts).zip, path.join(root, PLUGINS_DIR));
  } finally {
    rmSync(artifacts, { recursive: true, force: true });
  }
  sim = await startSimulatedDevnet({ events: 200, days: 0.25, seed: 21 });
  const [first, ...others] = sim.devnet.deployments;
  settings = monitorSettings('musl-root', [
    { deployment: first, urls: [first.rpcUrl.replace('127.0.0.1', DEVNET_HOST)] },
    ...others.map((deployment) => ({ deployment, urls: [deployment.rpcUrl] })),
  ]);
  host = await PluginHost.start({
    // A private /proc inside the root (a container has one), gone with the process; chroot then execs.
    wrapper: ['/usr/bin/unshare', `--mount-proc=${path.join(root, 'proc')}`, '/usr/sbin/chroot', root],
    executable: EXECUTABLE,
    hostEnv: {},
  });
  process.stderr.write(`musl root (${ARCH}): handshake after ${host.startupMs.toFixed(0)} ms\n`);
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await sim?.devnet.stop();
  if (root) {
    rmSync(root, { recursive: true, force: true });
  }
});

const column = (frame: DecodedFrame, name: string) => frame.fields.find((f) => f.name === name)!.values;

describe('a musl-only root (Alpine layout)', () => {
  it('holds busybox, musl and the plugin, and no glibc outside the plugin folder', () => {
    const outside = walk(root, ['proc', PLUGINS_DIR.slice(1)]).sort();
    expect(outside).toEqual(
      [
        'bin/busybox',
        'bin/sh',
        'dev/null',
        'dev/random',
        'dev/urandom',
        'dev/zero',
        'etc/hosts',
        `lib/${MUSL_LOADER}`,
        `lib/${MUSL_LOADER.replace('ld-musl', 'libc.musl')}`,
      ].sort()
    );
    expect(existsSync(path.join(root, 'lib64'))).toBe(false);
    expect(existsSync(path.join(root, 'lib', ARCH === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'))).toBe(false);
    expect(existsSync(path.join(root, 'usr'))).toBe(false);
    // The only glibc is the plugin's own.
    const plugin = walk(path.join(root, PLUGINS_DIR.slice(1)), []);
    expect(plugin.filter((file) => /ld-linux|libc\.so\.6/.test(file))).toEqual([
      `tesseract-monitor-app/datasource/runtime_linux_amd64/ld-linux-x86-64.so.2`,
      `tesseract-monitor-app/datasource/runtime_linux_amd64/libc.so.6`,
      `tesseract-monitor-app/datasource/runtime_linux_arm64/ld-linux-aarch64.so.1`,
      `tesseract-monitor-app/datasource/runtime_linux_arm64/libc.so.6`,
    ]);
  });

  it('cannot start the Node binary directly: the glibc loader it names is missing (what Alpine users saw)', () => {
    const direct = spawnSync(
      '/usr/sbin/chroot',
      [root, `${DATASOURCE_DIR}/runtime_linux_${ARCH}/gpx_tesseract_monitor`],
      { env: {}, encoding: 'utf8' }
    );
    expect(direct.status).toBe(127);
    expect(direct.stderr).toMatch(/No such file or directory/);
  });
});

describe('the packaged backend started there as Grafana starts it', () => {
  it('hands shake on stdout, as the PID Grafana started (the launcher exec’d the bundled loader)', () => {
    expect(host.handshake).toMatch(/^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
    expect(readlinkSync(`/proc/${host.pid}/exe`)).toBe(
      path.join(root, DATASOURCE_DIR, `runtime_linux_${ARCH}`, GLIBC_LOADER)
    );
    const environment = readFileSync(`/proc/${host.pid}/environ`, 'utf8').split('\0').filter(Boolean);
    expect(environment.map((variable) => variable.split('=')[0]).sort()).toEqual(
      // GF_PLUGIN_INDEX_DIR: a [plugin.<id>] setting, which Grafana passes as GF_PLUGIN_<KEY> (the harness's index directory);
      // MALLOC_ARENA_MAX: the launcher's.
      [
        'GF_PLUGIN_INDEX_DIR',
        'MALLOC_ARENA_MAX',
        'PLUGIN_MAX_PORT',
        'PLUGIN_MIN_PORT',
        'PLUGIN_PROTOCOL_VERSIONS',
        'grafana_plugin_type',
      ].sort()
    );
    expect(host.extraStdout).toBe('');
  });

  it('answers the gRPC health service and CheckHealth for every deployment, one reached by host name', async () => {
    expect(await host.healthCheck()).toBe('SERVING');
    const health = await host.checkHealth(settings);
    expect([health.status, health.message]).toEqual(['OK', expect.any(String)]);
    const verbose = (health.details as { verboseMessage: string }).verboseMessage.split('\n');
    expect(verbose.filter((line) => line.startsWith('OK '))).toHaveLength(sim.devnet.deployments.length);
  });

  it('answers a health query with each chain up at the head anvil reports', async () => {
    const result = (
      await host.queryData({
        settings,
        queries: [{ refId: 'A', timeRange: sim.range, json: { queryType: 'health', format: 'table' } }],
      })
    ).A;
    expect([result.status, result.error]).toEqual([200, '']);
    const table = result.frames[0];
    expect(column(table, 'chain')).toEqual(sim.devnet.deployments.map((d) => d.name));
    expect(column(table, 'up')).toEqual(sim.devnet.deployments.map(() => 1));
    const heads = await Promise.all(
      sim.devnet.deployments.map(async (d) => Number(await new JsonRpc(d.rpcUrl).call<string>('eth_blockNumber')))
    );
    expect(column(table, 'head_block')).toEqual(heads);
  });

  it('answers a metrics query that equals the simulator’s ledger on every deployment', async () => {
    const result = (
      await host.queryData({
        settings,
        queries: [
          {
            refId: 'A',
            timeRange: sim.range,
            json: { queryType: 'metrics', metrics: ['buffered', 'ready', 'failed'], mode: 'window' },
          },
        ],
      })
    ).A;
    expect([result.status, result.error]).toEqual([200, '']);
    const got = result.frames.map((frame) => {
      const [value] = frame.fields;
      return [value.labels?.chain, value.labels?.metric, value.values[0]];
    });
    const expected = sim.devnet.deployments.flatMap((d) => {
      const truth = summarizeLedger(sim.entries, {
        deployment: d.name,
        fromTime: sim.range.fromMs / 1000,
        toTime: sim.range.toMs / 1000,
      });
      return [
        [d.name, 'buffered', truth.buffered],
        [d.name, 'ready', truth.ready],
        [d.name, 'failed', truth.failed],
      ];
    });
    expect(got.sort()).toEqual(expected.sort());
    expect(expected.some(([, metric, count]) => metric === 'buffered' && Number(count) > 0)).toBe(true);
  });

  it('stops on Grafana’s Shutdown RPC and leaves no process behind', async () => {
    const stop = await host.shutdown();
    expect(stop.exitedInTime).toBe(true);
    expect(stop.leftover).toEqual([]);
  });
});

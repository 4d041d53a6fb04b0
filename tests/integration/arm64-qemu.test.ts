/**
 * The linux_arm64 package on an amd64 machine: its launcher's command (the bundled aarch64 glibc loader,
 * its libraries, the arm64 Node binary) run under qemu-user, which needs no arm64 libraries of the host
 * since everything comes from the runtime folder. Checks the handshake and real answers against anvil.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeLedger } from '../../devnet';
import { PluginHost, REPO_ROOT, type SettingsInput } from '../../harness/plugin-host';
import { monitorSettings } from '../../harness/monitor';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';

const QEMU = '/usr/bin/qemu-aarch64-static';
const DATASOURCE_DIR = path.join(REPO_ROOT, 'dist', 'datasource');
const LAUNCHER = path.join(DATASOURCE_DIR, 'gpx_tesseract_monitor_linux_arm64');

let sim: SimulatedDevnet;
let host: PluginHost;
let settings: SettingsInput;

/**
 * The program and arguments of the launcher's exec line, as sh would expand them for a launcher in
 * DATASOURCE_DIR (qemu-user cannot be reached through exec without binfmt_misc, which is machine-wide).
 */
function launcherCommand(): string[] {
  const line = readFileSync(LAUNCHER, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('exec '));
  const match = line && /^exec (.*) "\$@"$/.exec(line);
  if (!match) {
    throw new Error(`${LAUNCHER} has no exec line ending in "$@"`);
  }
  return [...match[1].matchAll(/"([^"]*)"|(\S+)/g)].map((word) =>
    (word[1] ?? word[2]).replace(/\$d\b/g, DATASOURCE_DIR)
  );
}

/** On an arm64 machine every other integration test runs this package natively instead. */
const describeOnAmd64 = process.arch === 'x64' ? describe : describe.skip;

beforeAll(async () => {
  if (process.arch !== 'x64') {
    return;
  }
  if (!existsSync(QEMU)) {
    throw new Error(`${QEMU} is missing: apt-get install -y qemu-user-static`);
  }
  sim = await startSimulatedDevnet({ events: 80, days: 0.1, seed: 33 });
  settings = monitorSettings(
    'arm64-qemu',
    sim.devnet.deployments.map((deployment) => ({ deployment, urls: [deployment.rpcUrl] }))
  );
  const [loader, ...args] = launcherCommand();
  host = await PluginHost.start({ wrapper: [QEMU], executable: loader, args, hostEnv: {}, startTimeoutMs: 120_000 });
  process.stderr.write(`arm64 under qemu-user: handshake after ${host.startupMs.toFixed(0)} ms\n`);
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await sim?.devnet.stop();
});

describeOnAmd64('the arm64 backend under qemu-user, through its bundled loader', () => {
  it('runs the aarch64 loader and Node binary of runtime_linux_arm64', () => {
    expect(
      launcherCommand().map((word) => (path.isAbsolute(word) ? path.relative(DATASOURCE_DIR, word) : word))
    ).toEqual([
      'runtime_linux_arm64/ld-linux-aarch64.so.1',
      '--library-path',
      'runtime_linux_arm64',
      'runtime_linux_arm64/gpx_tesseract_monitor',
    ]);
    expect(host.handshake).toMatch(/^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
  });

  it('answers the gRPC health service and CheckHealth for every deployment', async () => {
    expect(await host.healthCheck()).toBe('SERVING');
    const health = await host.checkHealth(settings);
    expect(health.status).toBe('OK');
  });

  it('answers a metrics query that equals the simulator’s ledger', async () => {
    const result = (
      await host.queryData({
        settings,
        queries: [
          { refId: 'A', timeRange: sim.range, json: { queryType: 'metrics', metrics: ['buffered'], mode: 'window' } },
        ],
      })
    ).A;
    expect([result.status, result.error]).toEqual([200, '']);
    expect(result.frames.map((frame) => [frame.fields[0].labels?.chain, frame.fields[0].values[0]])).toEqual(
      sim.devnet.deployments.map((d) => [
        d.name,
        summarizeLedger(sim.entries, {
          deployment: d.name,
          fromTime: sim.range.fromMs / 1000,
          toTime: sim.range.toMs / 1000,
        }).buffered,
      ])
    );
  });

  it('stops on the Shutdown RPC', async () => {
    const stop = await host.shutdown();
    expect(stop.leftover).toEqual([]);
  });
});

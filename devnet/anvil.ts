// Starts anvil chains from the binary shipped in npm @foundry-rs/anvil and stops them by the
// binary's own PID (an npx wrapper would leave anvil running).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { JsonRpc } from './rpc';

export interface AnvilOptions {
  chainId: number;
  /** Default: a free port chosen by the OS. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1; use 0.0.0.0 inside containers. */
  host?: string;
  /** Interval mining in seconds; default: automine (one block per transaction). */
  blockTime?: number;
  /** Genesis block timestamp (unix seconds); the chain clock keeps that offset from wall time. */
  genesisTimestamp?: number;
  /** Block gas limit; the default is raised so that fast history can pack hundreds of txs per block. */
  gasLimit?: number;
}

export interface AnvilInstance {
  chainId: number;
  port: number;
  /** URL reachable from this machine (127.0.0.1 even when listening on 0.0.0.0). */
  rpcUrl: string;
  pid: number;
  stop(): Promise<void>;
}

const DEFAULT_GAS_LIMIT = 1_000_000_000;
const STARTUP_TIMEOUT_MS = 15_000;
/**
 * Anvil writes the states it evicts from memory to disk, one per block, and never deletes them after a
 * kill: a week of fast history left 28 GB behind. Each instance gets its own cache folder, removed when
 * it exits, and keeps only recent states (older blocks still serve headers and logs; only historical
 * eth_call that far back is refused, as on a pruned node).
 */
const MAX_PERSISTED_STATES = 512;
const running = new Map<ChildProcess, string>();

process.on('exit', () => {
  for (const [child, cachePath] of running) {
    child.kill('SIGKILL');
    rmSync(cachePath, { recursive: true, force: true });
  }
});

export function anvilBinaryPath(): string {
  const platformPackage = `@foundry-rs/anvil-linux-${process.arch === 'arm64' ? 'arm64' : 'amd64'}`;
  const packageJson = require.resolve(`${platformPackage}/package.json`);
  const binary = path.join(path.dirname(packageJson), 'bin', 'anvil');
  if (!existsSync(binary)) {
    throw new Error(`anvil binary not found at ${binary}; run npm install`);
  }
  return binary;
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startAnvil(options: AnvilOptions): Promise<AnvilInstance> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const cachePath = mkdtempSync(path.join(os.tmpdir(), 'anvil-states-'));
  const args = [
    '--host',
    host,
    '--port',
    String(port),
    '--chain-id',
    String(options.chainId),
    '--gas-limit',
    String(options.gasLimit ?? DEFAULT_GAS_LIMIT),
    // First come, first mined: the simulator relies on send order within a block.
    '--order',
    'fifo',
    '--quiet',
    '--max-persisted-states',
    String(MAX_PERSISTED_STATES),
    '--cache-path',
    cachePath,
  ];
  if (options.blockTime !== undefined) {
    args.push('--block-time', String(options.blockTime));
  }
  if (options.genesisTimestamp !== undefined) {
    args.push('--timestamp', String(options.genesisTimestamp));
  }
  // Own process group: a terminal's Ctrl-C reaches only our process, which then stops anvil itself.
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  running.set(child, cachePath);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => {
    running.delete(child);
    rmSync(cachePath, { recursive: true, force: true });
  });

  const rpcUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  };

  const rpc = new JsonRpc(rpcUrl);
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`anvil exited with code ${child.exitCode} on port ${port}: ${stderr.trim()}`);
    }
    try {
      await rpc.call('eth_chainId');
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`anvil did not answer on ${rpcUrl} within ${STARTUP_TIMEOUT_MS} ms: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { chainId: options.chainId, port, rpcUrl, pid: child.pid!, stop };
}

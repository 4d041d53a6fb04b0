/**
 * The Grafana versions the browser tests run against. Grafana hands a plugin its own @grafana/*,
 * React and router at run time, so each version has an npm install of those packages under
 * tests/compat/<grafana minor>/ (package.json + package-lock.json with exact versions), and the
 * harness bundle resolves everything our webpack build leaves external from there.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const COMPAT_ROOT = path.resolve(__dirname, '../../compat');

/** Written into an install's node_modules after `npm ci`: the hash of the lock file it installed. */
const STAMP = '.tesseract-compat-lock';

export interface GrafanaRuntime {
  /** Directory under tests/compat, e.g. "13.2". */
  name: string;
  dir: string;
  grafana: string;
  react: string;
  /**
   * The router Grafana renders pages in: up to 11.x react-router v5 with the v6 compat layer (@grafana/ui's
   * links are v5 links there), from 12.4 react-router v6 only (@grafana/ui links through v5-compat).
   */
  router: 'v5' | 'v6';
}

function lockHash(dir: string): string {
  return createHash('sha256')
    .update(readFileSync(path.join(dir, 'package-lock.json')))
    .digest('hex');
}

function pinned(dir: string, name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  return manifest.dependencies[name];
}

function byVersion(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Every runtime under tests/compat, oldest Grafana first; the last one is the current Grafana. */
export function grafanaRuntimes(): GrafanaRuntime[] {
  return readdirSync(COMPAT_ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(COMPAT_ROOT, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort(byVersion)
    .map((name) => {
      const dir = path.join(COMPAT_ROOT, name);
      const grafana = pinned(dir, '@grafana/ui');
      const router = Number(grafana.split('.')[0]) < 12 ? 'v5' : 'v6';
      return { name, dir, grafana, react: pinned(dir, 'react'), router };
    });
}

/**
 * Runs `npm ci` in every compat directory whose node_modules is missing or was installed from another
 * lock file, so a fresh clone needs no separate step. Jest's globalSetup for the browser tests.
 */
export function installGrafanaRuntimes(): void {
  for (const runtime of grafanaRuntimes()) {
    const stamp = path.join(runtime.dir, 'node_modules', STAMP);
    const hash = lockHash(runtime.dir);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) {
      continue;
    }
    process.stderr.write(
      `Installing the runtime packages of Grafana ${runtime.grafana} (tests/compat/${runtime.name})\n`
    );
    // No install scripts: these are front-end packages the harness only bundles.
    execFileSync('npm', ['ci', '--prefix', runtime.dir, '--ignore-scripts', '--no-audit', '--no-fund'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    writeFileSync(stamp, hash);
  }
}

export default installGrafanaRuntimes;

import { build } from 'esbuild';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Tesseract plugin harness</title>
<link rel="stylesheet" href="/index.css"></head>
<body><div id="root"></div><script src="/index.js"></script></body></html>`;

/** Bundles the harness page (React, @grafana/ui and the plugin's components) into a temporary directory. */
export async function buildHarness(): Promise<string> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'tesseract-harness-'));
  await build({
    entryPoints: [path.join(__dirname, 'index.tsx')],
    bundle: true,
    outdir,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: false,
    sourcemap: false,
    logLevel: 'error',
    absWorkingDir: ROOT,
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file' },
  });
  await writeFile(path.join(outdir, 'index.html'), PAGE);
  return outdir;
}

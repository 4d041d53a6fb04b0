import { build, type Plugin } from 'esbuild';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { externals } from '../../../.config/bundler/externals';
import type { GrafanaRuntime } from './compat';

const ROOT = path.resolve(__dirname, '../../..');

/** What Grafana itself renders around a plugin's page (its router), one module per Grafana generation. */
const HOST = path.join(__dirname, 'host');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Tesseract plugin harness</title>
<link rel="stylesheet" href="/index.css"></head>
<body><div id="root"></div><script src="/index.js"></script></body></html>`;

/** What Grafana maps a plugin's external import to (its sharedDependencies), where it differs from the name. */
const PROVIDED_AS: Record<string, string> = {
  // Grafana hands react-router v6 to plugins through react-router-dom-v5-compat.
  'react-router': 'react-router-dom-v5-compat',
};

/** The package part of a bare import: `react-dom/client` → `react-dom`, `@grafana/ui/x` → `@grafana/ui`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** True for the imports our webpack build leaves to Grafana (.config/bundler/externals.ts). */
function providedByGrafana(specifier: string): boolean {
  const name = packageName(specifier);
  return (externals as Array<string | RegExp | object>).some((external) =>
    typeof external === 'string' ? external === name : external instanceof RegExp && external.test(specifier)
  );
}

/**
 * Resolves, for code outside the runtime's install (our source, the harness, bundled dependencies such
 * as react-router-dom), every import Grafana provides from that install, as Grafana would at run time.
 * Our own imports stay strict (a name missing from that Grafana's package fails the build); a bundled
 * dependency gets the module as an object, as webpack's externals hand it over, so the names it imports
 * but our code never reaches (react-router-dom's data routers) are undefined there, as in Grafana.
 */
function grafanaRuntimePlugin(runtime: GrafanaRuntime): Plugin {
  const installed = path.join(runtime.dir, 'node_modules') + path.sep;
  const bundledDependencies = path.join(ROOT, 'node_modules') + path.sep;
  return {
    name: 'grafana-runtime',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^grafana-host-router$/ }, () => ({
        path: path.join(HOST, `router-${runtime.router}.tsx`),
      }));
      pluginBuild.onResolve({ filter: /^[@a-z]/ }, async (args) => {
        if (args.pluginData === 'grafana-runtime' || args.importer.startsWith(installed)) {
          return undefined;
        }
        // Grafana's side of the page (host/) imports from Grafana's packages only.
        const host = args.importer.startsWith(HOST + path.sep);
        if (!host && !providedByGrafana(args.path)) {
          return undefined;
        }
        const name = packageName(args.path);
        const target = host ? args.path : (PROVIDED_AS[name] ?? name) + args.path.slice(name.length);
        const result = await pluginBuild.resolve(target, {
          kind: args.kind,
          resolveDir: runtime.dir,
          pluginData: 'grafana-runtime',
        });
        if (result.errors.length > 0) {
          return result;
        }
        if (!result.path.startsWith(installed)) {
          return { errors: [{ text: `${args.path} resolved outside tests/compat/${runtime.name}: ${result.path}` }] };
        }
        return args.importer.startsWith(bundledDependencies) ? { path: result.path, namespace: 'external' } : result;
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: 'external' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(args.path)});`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }));
    },
  };
}

/**
 * Bundles the harness page (React, @grafana/ui and the plugin's components) into a temporary directory,
 * with the packages Grafana provides taken from one Grafana version's runtime install.
 */
export async function buildHarness(runtime: GrafanaRuntime): Promise<string> {
  const outdir = await mkdtemp(path.join(tmpdir(), `tesseract-harness-${runtime.name}-`));
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
    plugins: [grafanaRuntimePlugin(runtime)],
    // React's development build: it warns about APIs the next React removes (18.3: defaultProps on
    // function components, string refs, legacy context...) and about misuse; the tests fail on its warnings.
    define: { 'process.env.NODE_ENV': '"development"', global: 'window' },
    loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file' },
  });
  await writeFile(path.join(outdir, 'index.html'), PAGE);
  return outdir;
}

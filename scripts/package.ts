/**
 * Packages the built plugin (dist/) the way Grafana's catalog and `grafana cli plugins install`
 * expect: one zip whose top folder is the plugin id, holding the app, the nested data source and its
 * backend executables with their exec bit, plus .sha1 and .md5 checksum files beside the zip.
 *
 *   npm run build && npm run package   → artifacts/tesseract-monitor-app-<version>.zip (+ .sha1, .md5)
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const ARTIFACTS = path.join(ROOT, 'artifacts');
/** Grafana starts the backend as `<executable>_<os>_<arch>`; these are the targets we ship. */
export const BACKEND_TARGETS = ['linux_amd64', 'linux_arm64'] as const;
const EXECUTABLE_MODE = 0o755;
const FILE_MODE = 0o644;

interface PluginJson {
  id: string;
  type: string;
  executable?: string;
  info: { version: string };
}

function readPluginJson(file: string): PluginJson {
  if (!existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as PluginJson;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** `a/b/c` → `['', 'a', 'a/b', 'a/b/c']` (the root as ''). */
function ancestors(relativeDir: string): string[] {
  const parts = relativeDir === '' ? [] : relativeDir.split(path.sep);
  return parts.map((_, index) => parts.slice(0, index + 1).join(path.sep)).concat('');
}

/** Paths (relative to dist/) of every backend executable the nested plugin.json files declare. */
export function expectedExecutables(dist: string): string[] {
  return filesUnder(dist)
    .filter((file) => path.basename(file) === 'plugin.json')
    .flatMap((file) => {
      const plugin = readPluginJson(file);
      const dir = path.relative(dist, path.dirname(file));
      return plugin.executable ? BACKEND_TARGETS.map((target) => path.join(dir, `${plugin.executable}_${target}`)) : [];
    });
}

/**
 * plugin.json as released: create-plugin's webpack adds `buildMode`, which the plugin.json schema
 * the catalog validates against does not allow (additionalProperties: false). A production build
 * is what Grafana assumes without it; a development build must not be released at all. A signed
 * build (`npm run sign` wrote MANIFEST.txt with every file's hash) ships it unchanged: Grafana
 * rejects a plugin whose files differ from its manifest, and ignores the extra field.
 */
function releasePluginJson(file: string, signed: boolean): Buffer {
  const original = readFileSync(file);
  const { buildMode, ...plugin } = JSON.parse(original.toString('utf8')) as Record<string, unknown>;
  if (buildMode !== undefined && buildMode !== 'production') {
    throw new Error(
      `${path.relative(ROOT, file)} is a ${String(buildMode)} build: run \`npm run build\` (production) first`
    );
  }
  return signed ? original : Buffer.from(`${JSON.stringify(plugin, null, 2)}\n`);
}

export interface PackageResult {
  zip: string;
  sha1: string;
  md5: string;
}

export function packagePlugin(dist = DIST, outDir = ARTIFACTS): PackageResult {
  const app = readPluginJson(path.join(dist, 'plugin.json'));
  const executables = new Set(expectedExecutables(dist));
  const required = ['module.js', 'plugin.json', ...executables];
  const missing = required.filter((file) => !existsSync(path.join(dist, file)));
  if (missing.length > 0) {
    throw new Error(`dist/ is incomplete (missing ${missing.join(', ')}): run \`npm run build\` first`);
  }

  const signed = existsSync(path.join(dist, 'MANIFEST.txt'));
  const zip = new AdmZip();
  const files = filesUnder(dist).sort();
  // Directory entries first, as `zip -r` writes them: some unzip implementations need them.
  const directories = new Set(files.flatMap((file) => ancestors(path.relative(dist, path.dirname(file)))));
  for (const directory of [...directories].sort()) {
    zip.addFile(`${path.posix.join(app.id, ...directory.split(path.sep))}/`, Buffer.alloc(0), '', EXECUTABLE_MODE);
  }
  for (const file of files) {
    const relative = path.relative(dist, file);
    // Grafana keeps a zip entry's mode when it installs: the bundled glibc loader must stay executable.
    const mode = executables.has(relative) || (statSync(file).mode & 0o111) !== 0 ? EXECUTABLE_MODE : FILE_MODE;
    const entryName = path.posix.join(app.id, ...relative.split(path.sep));
    const content = path.basename(file) === 'plugin.json' ? releasePluginJson(file, signed) : readFileSync(file);
    zip.addFile(entryName, content, '', mode);
    const entry = zip.getEntry(entryName);
    if (entry) {
      entry.header.time = statSync(file).mtime;
    }
  }

  mkdirSync(outDir, { recursive: true });
  const zipName = `${app.id}-${app.info.version}.zip`;
  const zipPath = path.join(outDir, zipName);
  rmSync(zipPath, { force: true });
  zip.writeZip(zipPath);

  const content = readFileSync(zipPath);
  const sha1 = createHash('sha1').update(content).digest('hex');
  const md5 = createHash('md5').update(content).digest('hex');
  writeFileSync(`${zipPath}.sha1`, `${sha1}  ${zipName}\n`);
  writeFileSync(`${zipPath}.md5`, `${md5}  ${zipName}\n`);
  return { zip: zipPath, sha1, md5 };
}

if (require.main === module) {
  try {
    const result = packagePlugin();
    process.stdout.write(`${path.relative(ROOT, result.zip)}\nsha1 ${result.sha1}\nmd5  ${result.md5}\n`);
  } catch (error) {
    process.stderr.write(`package: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

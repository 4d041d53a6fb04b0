import { accessSync, constants, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileJournal, journalKeyText, PgJournal, type IndexJournal, type JournalKey } from '../chain';
import type { IndexRetention, IndexStoreSettings } from '../../query';
import type { EventTable } from './eventtable';

/**
 * Where each deployment's log index is kept between runs (see IndexStoreSettings).
 *
 * The default directory must work where Grafana runs plugins. Grafana 12.4+ gives a plugin process no host
 * environment variables (so not GF_PATHS_DATA) but does pass each `[plugin.<id>]` setting of grafana.ini as
 * `GF_PLUGIN_<KEY>` (pkg/services/pluginsintegration/pluginconfig/envvars.go); its working directory is
 * Grafana's (/usr/share/grafana in the official images, not writable); the plugin folder itself may be
 * read-only (a mounted volume or image layer). The official images keep plugins in /var/lib/grafana/plugins,
 * inside Grafana's data directory, which is writable by Grafana's user and is the volume that persists. So:
 * the data source's directory setting, else `index_dir` of `[plugin.tesseract-monitor-datasource]`, else
 * `tesseract-monitor-index` beside the plugins directory this executable runs from when that is writable,
 * else the system temporary directory (survives a plugin restart, not a container's).
 */
export const INDEX_DIR_ENV = 'GF_PLUGIN_INDEX_DIR';
const DIRECTORY_NAME = 'tesseract-monitor-index';

export function indexStoreDirectory(
  configured: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  executable = process.execPath
): { directory: string; source: string } {
  if (configured) {
    return { directory: configured, source: 'the data source settings' };
  }
  const fromIni = env[INDEX_DIR_ENV];
  if (fromIni && path.isAbsolute(fromIni)) {
    return { directory: fromIni, source: `${INDEX_DIR_ENV} ([plugin.tesseract-monitor-datasource] index_dir)` };
  }
  for (let dir = path.dirname(executable); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (path.basename(dir) === 'plugins' && writable(path.dirname(dir))) {
      return { directory: path.join(path.dirname(dir), DIRECTORY_NAME), source: "beside Grafana's plugins directory" };
    }
  }
  return { directory: path.join(tmpdir(), DIRECTORY_NAME), source: 'the temporary directory' };
}

/** Whether the process may create files in `dir` (or in the directory that would hold it). */
function writable(dir: string): boolean {
  try {
    accessSync(existsSync(dir) ? dir : path.dirname(dir), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Opens one deployment's journal in the configured store; undefined for `memory`. */
export type JournalOpener = (slot: string, key: JournalKey) => IndexJournal | undefined;

/**
 * A journal per deployment: `slot` names it in the store (data source org, uid and deployment id, the same on
 * every replica). `postgres` needs the URL (secureJsonData); without one the caller reports it and uses files.
 */
export function journalOpener(store: IndexStoreSettings, directory: string, postgresUrl?: string): JournalOpener {
  if (store.kind === 'memory') {
    return () => undefined;
  }
  if (store.kind === 'postgres' && postgresUrl) {
    return (slot, key) => new PgJournal(postgresUrl, slot, journalKeyText(key));
  }
  return (slot, key) => new FileJournal(path.join(directory, `${fileName(slot)}.idx`), journalKeyText(key));
}

/** A file name from any text: safe characters kept, the rest escaped, so two slots never share a file. */
function fileName(slot: string): string {
  return slot.replace(/[^A-Za-z0-9_.-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Retention drops once the events beyond it reach this share of the kept ones: each drop's rebuild is amortized. */
const RETENTION_MARGIN = 0.25;

/**
 * The events at the front of the table beyond the retention, when they are worth dropping (else 0): the newest
 * `events`, or those of the last `days` before the newest indexed event's block time.
 */
export function retentionExcess(table: EventTable, retention: IndexRetention): number {
  if (table.length === 0) {
    return 0;
  }
  const keepFrom =
    retention.events !== undefined
      ? table.length - retention.events
      : table.firstAtOrAfter(table.timeAt(table.length - 1) - retention.days * 86_400);
  return keepFrom > (table.length - keepFrom) * RETENTION_MARGIN ? keepFrom : 0;
}

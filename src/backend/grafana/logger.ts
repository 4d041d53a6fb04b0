import { performance } from 'node:perf_hooks';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

/** Structured logger; lines reach Grafana's log under `plugin.<id>` with the fields as key/values. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. refId, tx_id, chain). */
  with(fields: LogFields): Logger;
}

/** Below go-plugin's 64 KiB stderr line buffer, with room for multi-byte characters. */
const MAX_LINE_CHARS = 16 * 1024;

const LEVEL_ORDER: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
// hclog's own keys; a field with one of these names would corrupt the line, so it gets renamed.
const RESERVED_KEYS = new Set(['@level', '@message', '@timestamp', '@module', '@caller']);

/**
 * hclog's JSON time layout `2006-01-02T15:04:05.000000Z07:00`: go-plugin rejects any other number of
 * fractional digits and then logs the whole line as raw debug text.
 */
export function hclogTimestamp(
  epochMicros: number = Math.floor((performance.timeOrigin + performance.now()) * 1000)
): string {
  const millis = Math.floor(epochMicros / 1000);
  const micros = epochMicros - millis * 1000;
  const iso = new Date(millis).toISOString(); // 2026-01-02T03:04:05.678Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

function serialisable(value: unknown): unknown {
  if (value instanceof Error) {
    return value.message;
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  return value;
}

export interface HclogOptions {
  level?: LogLevel;
  module?: string;
  write?: (line: string) => void;
}

/** A logger writing one hclog JSON object per line to stderr (never stdout: go-plugin discards it). */
export function createLogger(options: HclogOptions = {}, baseFields: LogFields = {}): Logger {
  const minimum = LEVEL_ORDER[options.level ?? 'debug'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));

  const emit = (level: LogLevel, message: string, fields?: LogFields) => {
    if (LEVEL_ORDER[level] < minimum) {
      return;
    }
    const record: Record<string, unknown> = {
      '@level': level,
      '@message': message,
      '@timestamp': hclogTimestamp(),
    };
    if (options.module) {
      record['@module'] = options.module;
    }
    for (const [key, value] of Object.entries({ ...baseFields, ...fields })) {
      if (value !== undefined) {
        record[RESERVED_KEYS.has(key) ? key.slice(1) : key] = serialisable(value);
      }
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ '@level': level, '@message': message, '@timestamp': record['@timestamp'] });
    }
    if (line.length > MAX_LINE_CHARS) {
      // go-plugin splits longer lines into raw debug chunks; keep the line whole and say what was cut.
      line = JSON.stringify({
        '@level': level,
        '@message': message.slice(0, MAX_LINE_CHARS / 2),
        '@timestamp': record['@timestamp'],
        truncated: `log line of ${line.length} characters shortened`,
      });
    }
    write(line + '\n');
  };

  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    with: (fields) => createLogger(options, { ...baseFields, ...fields }),
  };
}

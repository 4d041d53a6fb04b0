// Shared flag parsing for the devnet CLIs: a clear message and exit code 2 on bad input.
import type { ExpiryMode } from '../simulator';

/** Runs the parser (node:util parseArgs); prints the usage on --help or on a parse error. */
export function parseOrExit<T extends { help?: boolean }>(parse: () => { values: T }, usage: string): T {
  let values: T;
  try {
    values = parse().values;
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  if (values.help) {
    process.stderr.write(usage);
    process.exit(0);
  }
  return values;
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** A non-negative number from a flag, or the default. */
export function numberFlag(value: string | boolean | undefined, name: string, fallback: number): number {
  if (value === undefined || typeof value === 'boolean') {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    fail(`--${name} must be a non-negative number, got "${value}"`);
  }
  return parsed;
}

export function expiryFlag(value: string | undefined, fallback: ExpiryMode): ExpiryMode {
  const mode = value ?? fallback;
  if (mode !== 'wait' && mode !== 'time-travel') {
    fail(`--expiry must be "wait" or "time-travel", got "${value}"`);
  }
  return mode;
}

export function seedFlag(value: string | boolean | undefined): number | string {
  if (value === undefined || typeof value === 'boolean') {
    return Date.now() % 1_000_000;
  }
  return /^\d+$/.test(value) ? Number(value) : value;
}

export function log(message: string): void {
  process.stderr.write(`[${new Date().toISOString()}] ${message}\n`);
}

/**
 * Aborts on the first SIGINT/SIGTERM; another one more than a second later exits at once. (A
 * terminal's Ctrl-C reaches npm, tsx and node together, so the first burst counts once.)
 */
export function stopSignal(): AbortSignal {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (Date.now() - firstAt > 1000) {
        process.exit(130);
      }
      return;
    }
    firstAt = Date.now();
    log(`${signal}: stopping`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

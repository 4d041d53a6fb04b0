import { createLogger, type Logger } from './logger';
import { startServer, type ServeOptions } from './server';

export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const PROTOCOL_VERSION = 2;
/** Grafana waits 2 s after Shutdown before SIGKILL; leave room for the process to actually end. */
const DISPOSE_TIMEOUT_MS = 1200;

/** Why the environment is not one Grafana created, or undefined when it is. */
export function handshakeProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    return (
      'This binary is a Grafana backend plugin. It is not meant to be executed directly: ' +
      'Grafana starts it (environment variable grafana_plugin_type=datasource is missing).'
    );
  }
  const versions = (env.PLUGIN_PROTOCOL_VERSIONS ?? '').split(',').map((version) => version.trim());
  if (!versions.includes(String(PROTOCOL_VERSION))) {
    return (
      `This plugin speaks Grafana plugin protocol version ${PROTOCOL_VERSION}, ` +
      `but the host offers PLUGIN_PROTOCOL_VERSIONS="${env.PLUGIN_PROTOCOL_VERSIONS ?? ''}".`
    );
  }
  return undefined;
}

export function handshakeLine(address: string): string {
  return `1|${PROTOCOL_VERSION}|tcp|${address}|grpc\n`;
}

/** Everything printed after the handshake would be discarded by go-plugin: send it to the log instead. */
function divertConsoleOutput(logger: Logger): void {
  process.stdout.write = ((chunk: string | Uint8Array) => {
    logger.debug((typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')).trimEnd(), {
      stream: 'stdout',
    });
    return true;
  }) as typeof process.stdout.write;
  // Libraries that use console get proper hclog lines (and levels) instead of raw text.
  const toLog =
    (level: 'debug' | 'warn' | 'error', method: string) =>
    (...args: unknown[]) =>
      logger[level](args.map(String).join(' '), { source: `console.${method}` });
  Object.assign(console, {
    log: toLog('debug', 'log'),
    info: toLog('debug', 'info'),
    debug: toLog('debug', 'debug'),
    warn: toLog('warn', 'warn'),
    error: toLog('error', 'error'),
  });
}

/**
 * Runs the process as a go-plugin plugin: checks the handshake environment, serves on 127.0.0.1, prints
 * the handshake line, and exits after Grafana's Shutdown call. Never returns normally.
 */
export async function runPlugin(options: Omit<ServeOptions, 'onShutdownRequest' | 'host' | 'port'>): Promise<void> {
  const problem = handshakeProblem(process.env);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
  const logger = options.logger ?? createLogger();

  // Ctrl-C in Grafana's terminal reaches the whole process group; Grafana decides when we stop.
  process.on('SIGINT', () => logger.debug('Ignoring SIGINT'));
  // go-plugin reads stderr until we exit; a broken pipe means Grafana is gone, so there is no one left to serve.
  process.stderr.on('error', () => process.exit(1));
  process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', { error: reason }));
  process.on('uncaughtException', (error) => logger.error('Uncaught exception', { error, stack: error.stack }));

  let exiting = false;
  const exit = (server: { stop(): Promise<void> }) => {
    if (exiting) {
      return;
    }
    exiting = true;
    const deadline = setTimeout(() => process.exit(0), DISPOSE_TIMEOUT_MS);
    void server.stop().finally(() => {
      clearTimeout(deadline);
      process.exit(0);
    });
  };

  let started: { stop(): Promise<void> } | undefined;
  const server = await startServer({
    ...options,
    logger,
    host: '127.0.0.1',
    port: 0,
    onShutdownRequest: () => started && exit(started),
  });
  started = server;
  process.stdout.write(handshakeLine(server.address));
  divertConsoleOutput(logger);
  logger.info('Plugin started', { address: server.address, pid: process.pid, node: process.version });
}

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { GrafanaRuntime } from './compat';

// Where Grafana serves @grafana/ui's icons: public/build/img/icons (12.4, 13.2), public/img/icons (11.0).
const ICON_PATHS = ['/public/build/img/icons/', '/public/img/icons/'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
};

export interface HarnessServer {
  url: string;
  close: () => Promise<void>;
}

/** Answers a request in Grafana's place and returns true, or returns false to leave it to the bundle. */
export type ApiHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

/**
 * Serves the harness bundle, plus the icons of the runtime's @grafana/ui where Grafana serves them
 * (/public/build/img/icons/… or /public/img/icons/…), on 127.0.0.1 at a free port; `api` may answer
 * Grafana's HTTP API.
 */
export async function serveHarness(
  bundleDir: string,
  runtime: GrafanaRuntime,
  api?: ApiHandler
): Promise<HarnessServer> {
  const icons = path.join(runtime.dir, 'node_modules/@grafana/ui/dist/public/img/icons');
  const server: Server = createServer((request, response) => {
    if (api?.(request, response)) {
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const iconPath = ICON_PATHS.find((prefix) => pathname.startsWith(prefix));
    const root = iconPath ? icons : bundleDir;
    const file = path.resolve(
      root,
      '.' + (iconPath ? pathname.slice(iconPath.length - 1) : pathname === '/' ? '/index.html' : pathname)
    );
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) =>
        response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end()
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const ICONS = path.dirname(require.resolve('@grafana/ui/package.json')) + '/dist/public/img/icons';

const ICON_PATH = '/public/build/img/icons/';

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
 * Serves the harness bundle, plus @grafana/ui's icons where Grafana serves them
 * (/public/build/img/icons/…), on 127.0.0.1 at a free port; `api` may answer Grafana's HTTP API.
 */
export async function serveHarness(bundleDir: string, api?: ApiHandler): Promise<HarnessServer> {
  const server: Server = createServer((request, response) => {
    if (api?.(request, response)) {
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const icon = pathname.startsWith(ICON_PATH);
    const root = icon ? ICONS : bundleDir;
    const file = path.resolve(
      root,
      '.' + (icon ? pathname.slice(ICON_PATH.length - 1) : pathname === '/' ? '/index.html' : pathname)
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

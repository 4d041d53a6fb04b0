/** @jest-environment node */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { RpcError } from './errors';
import { networkCause, RpcPool, splitCredentials } from './rpc';

/** A node whose eth_call of data "0xbad" reverts; with `batches: false` it refuses batches as some nodes do. */
async function revertingNode(batches: boolean) {
  const answer = (r: { id: number; params: Array<{ data: string }> }) =>
    r.params[0].data === '0xbad'
      ? { jsonrpc: '2.0', id: r.id, error: { code: 3, message: 'execution reverted: paused' } }
      : { jsonrpc: '2.0', id: r.id, result: r.params[0].data };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as unknown;
      const reply = !Array.isArray(body)
        ? answer(body as Parameters<typeof answer>[0])
        : batches
          ? body.map(answer)
          : { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'batch requests are not supported' } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const calls = ['0x01', '0xbad', '0x02'].map((data) => ({ method: 'eth_call', params: [{ data }, 'latest'] }));

describe.each([true, false])('RpcPool.batchSettled (node takes batches: %s)', (batches) => {
  it('gives a refused call its own error in place and keeps the other results; batch() throws it', async () => {
    const node = await revertingNode(batches);
    try {
      const pool = new RpcPool({ urls: [node.url] });
      const [first, refused, last] = await pool.batchSettled(calls);
      expect([first, last]).toEqual(['0x01', '0x02']);
      expect(refused).toBeInstanceOf(RpcError);
      expect((refused as RpcError).message).toContain('execution reverted: paused');
      await expect(pool.batch(calls)).rejects.toThrow('execution reverted: paused');
    } finally {
      await node.close();
    }
  });
});

describe('RpcPool with credentials in the URL', () => {
  it('sends user:pass@ as a percent-decoded basic Authorization header to the URL without them', async () => {
    const seen: Array<{ url?: string; authorization?: string }> = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url, authorization: req.headers.authorization });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: '0x1' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const pool = new RpcPool({ urls: [`http://us%40er:p%3Ass%20w@127.0.0.1:${port}/v3/key?x=1`] });
      await expect(pool.call('eth_blockNumber', [])).resolves.toBe('0x1');
      expect(seen).toEqual([
        { url: '/v3/key?x=1', authorization: `Basic ${Buffer.from('us@er:p:ss w').toString('base64')}` },
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('leaves URLs without credentials (and unparsable ones) alone', () => {
    expect(splitCredentials('https://rpc.example/v3/key')).toEqual({ url: 'https://rpc.example/v3/key' });
    expect(splitCredentials('not a url')).toEqual({ url: 'not a url' });
    expect(splitCredentials('https://u:100%25@h/').authorization).toBe(
      `Basic ${Buffer.from('u:100%').toString('base64')}`
    );
    expect(splitCredentials('https://u:10%ZZ@h/').authorization).toBe(
      `Basic ${Buffer.from('u:10%ZZ').toString('base64')}`
    );
  });
});

describe('RpcPool network failures', () => {
  it('says what happened in words, not Node codes: refused, reset', async () => {
    const server = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const resetUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      const options = { maxRetries: 0 };
      await expect(new RpcPool({ urls: [refusedUrl], ...options }).call('eth_blockNumber', [])).rejects.toThrow(
        'RPC #1: unreachable (connection refused)'
      );
      await expect(new RpcPool({ urls: [resetUrl], ...options }).call('eth_blockNumber', [])).rejects.toThrow(
        'RPC #1: unreachable (connection reset)'
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('names DNS and TLS failures, and falls back to the code for others', () => {
    const failure = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: { code } });
    expect(networkCause(failure('ENOTFOUND'))).toBe('DNS lookup failed: no such host');
    expect(networkCause(failure('CERT_HAS_EXPIRED'))).toBe('TLS certificate expired');
    expect(networkCause(failure('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('TLS failed (ERR_SSL_WRONG_VERSION_NUMBER)');
    expect(networkCause(failure('UND_ERR_CONNECT_TIMEOUT'))).toBe('connection timed out');
    expect(networkCause(failure('EWHATEVER'))).toBe('network error (EWHATEVER)');
    expect(networkCause(new TypeError('fetch failed'))).toBe('connection failed');
  });
});

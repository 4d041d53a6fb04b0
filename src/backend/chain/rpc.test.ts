/** @jest-environment node */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { RpcError } from './errors';
import { RpcPool } from './rpc';

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

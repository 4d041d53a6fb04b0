/** @jest-environment node */
import { classifyRpcError, isRequestRefusal, parseRangeHint, parseRetryAfter, redactUrls, RpcError } from './errors';

describe('classifyRpcError', () => {
  it.each([
    [
      'Infura result cap with the suggested range in data',
      {
        code: -32005,
        message: 'query returned more than 10000 results',
        data: { from: '0x10', to: '0x1f', limit: 10000 },
      },
      'too_many_results',
      { suggestedRange: { fromBlock: 16, toBlock: 31 }, maxResults: 10000 },
    ],
    [
      'Infura result cap with the suggested range in the message',
      { code: -32005, message: 'query returned more than 10000 results. Try with this block range [0x64, 0xc8].' },
      'too_many_results',
      { suggestedRange: { fromBlock: 100, toBlock: 200 }, maxResults: 10000 },
    ],
    ['Infura range cap', { code: -32602, message: 'block range too large' }, 'range_too_large', {}],
    [
      'geth-style range cap',
      { code: -32602, message: 'exceed maximum block range: 5000' },
      'range_too_large',
      { maxSpan: 5000 },
    ],
    [
      'Alchemy log cap with a suggested range',
      {
        code: -32602,
        message:
          'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on ' +
          'the response size, or you can request any block range with a cap of 10K logs in the response. Based on ' +
          'your parameters, this block range should work: [0x1, 0x3e8]',
      },
      'too_many_results',
      { suggestedRange: { fromBlock: 1, toBlock: 1000 }, maxSpan: 2000, maxResults: 10000 },
    ],
    [
      'Alchemy free-tier range cap',
      {
        code: -32600,
        message:
          'Under the Free tier plan, you can make eth_getLogs requests with up to a 10 block range. Based on your ' +
          'parameters, this block range should work: [0x5, 0xe]',
      },
      'range_too_large',
      { suggestedRange: { fromBlock: 5, toBlock: 14 }, maxSpan: 10 },
    ],
    [
      'QuickNode paid cap',
      { code: -32614, message: 'eth_getLogs is limited to a 10000 range' },
      'range_too_large',
      { maxSpan: 10000 },
    ],
    [
      'QuickNode free cap',
      { code: -32614, message: 'eth_getLogs and eth_newFilter are limited to a 5 range' },
      'range_too_large',
      { maxSpan: 5 },
    ],
    ['generic limit', { code: -32000, message: 'limit exceeded' }, 'range_too_large', {}],
    [
      'range with a k-suffixed max',
      { code: -32000, message: 'block range is too large, max is 1k blocks' },
      'range_too_large',
      { maxSpan: 1000 },
    ],
  ])('%s', (_name, error, kind, hint) => {
    const classified = classifyRpcError(error);
    expect(classified.kind).toBe(kind);
    expect(classified.hint).toEqual(hint);
  });

  it.each([
    [{ code: 429, message: 'Too Many Requests' }],
    [{ code: -32005, message: 'daily request count exceeded, request rate limited' }],
    [{ code: 429, message: 'Your app has exceeded its compute units per second capacity.' }],
    [{ code: -32016, message: 'rate limit exceeded' }],
  ])('treats %j as a rate limit, not a range error', (error) => {
    expect(classifyRpcError(error).kind).toBe('rate_limited');
  });

  it('never takes a revert or a non-log method for a range or rate limit', () => {
    expect(classifyRpcError({ code: 3, message: 'execution reverted: Block transaction limit exceeded' }).kind).toBe(
      'rpc_error'
    );
    expect(classifyRpcError({ code: -32000, message: 'execution reverted: rate limit hit' }, 'eth_call').kind).toBe(
      'rpc_error'
    );
    expect(classifyRpcError({ code: -32000, message: 'limit exceeded' }, 'eth_call').kind).toBe('rpc_error');
    expect(classifyRpcError({ code: -32000, message: 'limit exceeded' }, 'eth_getLogs').kind).toBe('range_too_large');
    expect(classifyRpcError({ code: 429, message: 'Too Many Requests' }, 'eth_call').kind).toBe('rate_limited');
  });

  it('leaves ordinary failures as rpc_error', () => {
    expect(classifyRpcError({ code: 3, message: 'execution reverted: Transaction already exists' }).kind).toBe(
      'rpc_error'
    );
    expect(classifyRpcError({ code: -32601, message: 'the method foo does not exist/is not available' }).kind).toBe(
      'rpc_error'
    );
  });
});

describe('parseRangeHint', () => {
  it('ignores a reversed pair and prefers data over the message', () => {
    expect(parseRangeHint('try [0x20, 0x10]')).toEqual({});
    expect(parseRangeHint('try [0x1, 0x2]', { from: '0x5', to: '0x9' })).toEqual({
      suggestedRange: { fromBlock: 5, toBlock: 9 },
    });
  });

  it('reads counts with separators', () => {
    expect(parseRangeHint('eth_getLogs is limited to a 10,000 range').maxSpan).toBe(10000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('RpcError', () => {
  it('marks only transport-level kinds transient', () => {
    expect(new RpcError('timeout', 'RPC #1: no answer').transient).toBe(true);
    expect(new RpcError('rate_limited', 'RPC #1: 429').transient).toBe(true);
    expect(new RpcError('range_too_large', 'RPC #1: range').transient).toBe(false);
    expect(new RpcError('wrong_chain', 'RPC #1: chain').transient).toBe(false);
  });

  it("counts as the request's own refusal only what another endpoint would answer the same", () => {
    expect(isRequestRefusal(new RpcError('rpc_error', 'RPC #1: execution reverted', { code: 3 }))).toBe(true);
    expect(isRequestRefusal(new RpcError('range_too_large', 'RPC #1: range'))).toBe(true);
    expect(isRequestRefusal(new RpcError('unreachable', 'RPC #1: connection refused'))).toBe(false);
    expect(isRequestRefusal(new RpcError('wrong_chain', 'RPC #1: chain'))).toBe(false);
    expect(isRequestRefusal(new Error('execution reverted'))).toBe(false);
  });

  it('redacts URLs from provider text', () => {
    expect(redactUrls('upstream https://mainnet.infura.io/v3/SECRET failed')).toBe('upstream <url> failed');
  });
});

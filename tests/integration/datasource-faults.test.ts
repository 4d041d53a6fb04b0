/**
 * The data source when parts of the world fail, through the plugin process: an unreachable node must read
 * `up = 0` (so "node disconnected" alerts) while the other deployments answer; a wrong chain, a node that
 * goes down and comes back, providers that refuse wide eth_getLogs ranges (exact counts still), and
 * settings that cannot work. RPC URLs never appear in what the user sees.
 */
import { hexlify, Interface, randomBytes } from 'ethers';
import { freePort, JsonRpc, sendAndWait, startAnvil, summarizeLedger } from '../../devnet';
import { TESSERACT_BUFFER_ABI, TESSERACT_SIMPLE_ABI } from '../../src/query';
import type { DecodedFrame } from '../../src/backend/grafana/frames';
import { alertingHeaders, PluginHost, type QueryResult, type SettingsInput } from '../../harness/plugin-host';
import { startRpcProxy, type RangeLimit, type RpcProxy } from '../../harness/rpc-proxy';
import { startSimulatedDevnet, type SimulatedDevnet } from './datasource-support';
import { bufferNewTransaction, monitorSettings } from '../../harness/monitor';

let sim: SimulatedDevnet;
let host: PluginHost;
let deadUrl: string;
const proxies: RpcProxy[] = [];

beforeAll(async () => {
  sim = await startSimulatedDevnet({ events: 600, days: 0.5, seed: 11 });
  deadUrl = `http://127.0.0.1:${await freePort()}`; // nothing listens there
  host = await PluginHost.start(); // the built executable (npm test builds it first)
}, 170_000);

afterAll(async () => {
  await host?.kill();
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await sim?.devnet.stop();
});

async function proxyFor(name: string): Promise<RpcProxy> {
  const proxy = await startRpcProxy(sim.devnet.deployments.find((d) => d.name === name)!.rpcUrl);
  proxies.push(proxy);
  return proxy;
}

/** The devnet's deployments (each behind its own proxy unless given) plus an unreachable one. */
function withOffline(uid: string, urls: Record<string, string> = {}): SettingsInput {
  return monitorSettings(uid, [
    ...sim.devnet.deployments.map((deployment) => ({ deployment, urls: [urls[deployment.name] ?? deployment.rpcUrl] })),
    {
      deployment: sim.devnet.deployments[0],
      urls: [deadUrl],
      overrides: { id: 'id-offline', name: 'offline', chainId: 4242 },
    },
  ]);
}

async function run(
  settings: SettingsInput,
  json: Record<string, unknown>,
  timeRange = sim.range,
  headers?: Record<string, string>
): Promise<QueryResult> {
  return (await host.queryData({ settings, queries: [{ refId: 'A', timeRange, json }], headers })).A;
}

const column = (frame: DecodedFrame, name: string) => frame.fields.find((f) => f.name === name)!.values;

describe('an unreachable deployment', () => {
  const settings = () => withOffline('faults-offline');

  it('reads up = 0 with the error text while the others are up', async () => {
    const result = await run(settings(), { queryType: 'health', format: 'table' });
    expect([result.status, result.error]).toEqual([200, '']);
    const table = result.frames[0];
    const row = (column(table, 'chain') as string[]).indexOf('offline');
    expect(column(table, 'up')).toEqual([1, 1, 1, 0]);
    expect(column(table, 'head_block')[row]).toBeNull();
    expect(column(table, 'last_error')[row]).toMatch(/RPC #1: unreachable \(connection refused\)/);
    expect(JSON.stringify(column(table, 'last_error'))).not.toContain(deadUrl);

    const up = await run(settings(), { queryType: 'health', format: 'value', field: 'up' });
    expect(up.frames.map((f) => [f.fields[0].labels?.chain, f.fields[0].values[0]])).toEqual([
      ['optimism', 1],
      ['arbitrum', 1],
      ['base', 1],
      ['offline', 0],
    ]);
    expect(up.frames[3].meta?.notices?.[0].text).toMatch(/^offline: RPC #1: unreachable/);
  });

  it('leaves the others answering metrics, with a notice naming it; alone it fails downstream', async () => {
    const result = await run(settings(), { queryType: 'metrics', metrics: ['buffered'], mode: 'window' });
    expect(result.status).toBe(200);
    expect(result.frames.map((f) => f.fields[0].labels?.chain)).toEqual(['optimism', 'arbitrum', 'base']);
    expect(result.frames[0].meta?.notices).toEqual([
      expect.objectContaining({
        severity: 'warning',
        text: expect.stringMatching(/^offline: no data: RPC #1: unreachable \(connection refused\)$/),
      }),
    ]);
    const alone = await run(settings(), { queryType: 'events', deployments: ['offline'], limit: 10 });
    expect([alone.status, alone.errorSource]).toEqual([502, 'downstream']);
    expect(alone.error).toMatch(/^offline: RPC #1: unreachable/);
    expect(alone.error).not.toContain(deadUrl);
  });

  it('fails CheckHealth with a precise line for it and OK for the others', async () => {
    const health = await host.checkHealth(settings());
    expect(health.status).toBe('ERROR');
    expect(health.message).toMatch(/^1 problem: offline: RPC not usable for chain 4242: RPC #1: unreachable/);
    expect(JSON.stringify(health)).not.toContain(deadUrl);
    const verbose = (health.details as { verboseMessage: string }).verboseMessage.split('\n');
    expect(verbose.filter((line) => line.startsWith('OK '))).toHaveLength(3);
  });
});

describe('chains and nodes that misbehave', () => {
  it('reports a node serving another chain as down, naming both chain ids', async () => {
    const optimism = sim.devnet.deployments[0];
    const settings = monitorSettings('faults-wrong-chain', [
      { deployment: optimism, urls: [optimism.rpcUrl], overrides: { chainId: 10 } },
    ]);
    const table = (await run(settings, { queryType: 'health' })).frames[0];
    expect(column(table, 'up')).toEqual([0]);
    expect(column(table, 'last_error')[0]).toMatch(/serves chain id 31010, expected 10/);
    const health = await host.checkHealth(settings);
    expect([health.status, health.message]).toEqual([
      'ERROR',
      expect.stringMatching(/optimism: RPC not usable for chain 10: .*serves chain id 31010/),
    ]);
  });

  it('follows a node that goes down and comes back without recreating the instance', async () => {
    const proxy = await proxyFor('optimism');
    const settings = withOffline('faults-flap', { optimism: proxy.url });
    // Health panels of one refresh share a probe for 1 s, as log panels share a sync: space the probes.
    const upOf = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      return (await run(settings, { queryType: 'health', format: 'value', field: 'up', deployments: ['optimism'] }))
        .frames[0].fields[0].values[0];
    };
    expect(await upOf()).toBe(1);
    proxy.setFault({ kind: 'down' });
    expect(await upOf()).toBe(0);
    proxy.setFault({ kind: 'none' });
    let up: unknown = 0;
    for (let attempt = 0; attempt < 20 && up !== 1; attempt++) {
      up = await upOf();
    }
    expect(up).toBe(1);
  });

  it.each<[string, RangeLimit]>([
    ['a geth-style maximum block range', { shape: 'max-block-range', maxSpan: 40 }],
    ['an Infura-style result cap', { shape: 'infura-results', maxResults: 25 }],
  ])('counts exactly through %s', async (_, limit) => {
    const proxy = await proxyFor('arbitrum');
    proxy.setRangeLimit(limit);
    const arbitrum = sim.devnet.deployments.find((d) => d.name === 'arbitrum')!;
    const settings = monitorSettings(`faults-range-${limit.shape}`, [
      { deployment: arbitrum, urls: [proxy.url], overrides: { maxBlockRange: 100_000 } },
    ]);
    const result = await run(settings, {
      queryType: 'metrics',
      metrics: ['buffered', 'ready', 'pauses', 'silent_failures'],
      mode: 'window',
    });
    expect(result.error).toBe('');
    const truth = summarizeLedger(sim.entries, {
      deployment: 'arbitrum',
      fromTime: sim.range.fromMs / 1000,
      toTime: sim.range.toMs / 1000,
    });
    expect(result.frames.map((f) => f.fields[0].values[0])).toEqual([
      truth.buffered,
      truth.ready,
      truth.pauses,
      truth.expiredUnreported,
    ]);
    expect(proxy.counts().rangeRejections).toBeGreaterThan(0);
  });
});

describe('a custom ABI', () => {
  it('decodes, counts and probes a deployment configured with a pasted ABI like its known variant', async () => {
    const arbitrum = sim.devnet.deployments.find((d) => d.name === 'arbitrum')!;
    const artifact = JSON.stringify({ contractName: 'TesseractBuffer', abi: TESSERACT_BUFFER_ABI });
    const settings = monitorSettings('faults-custom-abi', [
      { deployment: arbitrum, urls: [arbitrum.rpcUrl], overrides: { abi: 'custom', customAbi: artifact } },
    ]);
    const result = await run(settings, {
      queryType: 'metrics',
      metrics: ['buffered', 'ready', 'pauses'],
      mode: 'window',
    });
    const truth = summarizeLedger(sim.entries, {
      deployment: 'arbitrum',
      fromTime: sim.range.fromMs / 1000,
      toTime: sim.range.toMs / 1000,
    });
    expect(result.frames.map((f) => f.fields[0].values[0])).toEqual([truth.buffered, truth.ready, truth.pauses]);
    const health = (await run(settings, { queryType: 'health' })).frames[0];
    expect([column(health, 'up')[0], column(health, 'circuit_breaker_active')[0]]).toEqual([1, 0]);
  });
});

describe('a dead RPC', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const OUTAGE_NOTICE = /^optimism: RPC down since (\S+), data up to block (\d+) \(RPC #1: unreachable/;
  const noticesOf = (result: QueryResult) => result.frames.flatMap((f) => f.meta?.notices ?? []).map((n) => n.text);

  it('leaves dashboards the indexed data with a notice, fails alert queries, and recovers within 2.5 s', async () => {
    const proxy = await proxyFor('optimism');
    const settings = monitorSettings('faults-outage', [{ deployment: sim.devnet.deployments[0], urls: [proxy.url] }]);
    const optimism = { deployments: ['optimism'] };
    const buffered = { queryType: 'metrics', metrics: ['buffered', 'ready'], mode: 'window', ...optimism };
    const recent = { queryType: 'events', limit: 5, ...optimism };
    const before = await run(settings, buffered);
    const eventsBefore = await run(settings, recent);
    const txIds = [String(column(eventsBefore.frames[0], 'tx_id')[0])];
    expect(noticesOf(before)).toEqual([]);
    const head = await new JsonRpc(sim.devnet.deployments[0].rpcUrl).call<string>('eth_blockNumber');

    proxy.setFault({ kind: 'down' });
    const downAt = Date.now();
    await sleep(1100); // past the head the panels of a refresh share
    let firstAnswerAt = 0;
    for (const json of [buffered, recent, { queryType: 'transaction', txIds, ...optimism }]) {
      const during = await run(settings, json);
      firstAnswerAt ||= Date.now();
      expect([during.status, during.error]).toEqual([200, '']);
      expect(noticesOf(during)).toEqual([expect.stringMatching(OUTAGE_NOTICE)]);
      const [, since, upTo] = OUTAGE_NOTICE.exec(noticesOf(during)[0])!;
      // since the first head request that failed: the first query's, 1.1 s after the fault
      expect(Date.parse(since)).toBeGreaterThanOrEqual(downAt);
      expect(Date.parse(since)).toBeLessThanOrEqual(firstAnswerAt);
      expect(Number(upTo)).toBe(Number(head));
      expect(during.frames[0].meta?.notices?.[0].severity).toBe('warning');
      if (json === buffered) {
        expect(during.frames.map((f) => f.fields[0].values[0])).toEqual(
          before.frames.map((f) => f.fields[0].values[0])
        );
      } else if (json === recent) {
        expect(column(during.frames[0], 'tx_id')).toEqual(column(eventsBefore.frames[0], 'tx_id'));
      } else {
        expect(column(during.frames[0], 'tx_id')).toContain(txIds[0]);
      }
    }
    const alert = await run(settings, buffered, sim.range, alertingHeaders());
    expect([alert.status, alert.errorSource]).toEqual([502, 'downstream']);
    expect(alert.error).toMatch(/^optimism: RPC #1: unreachable/);

    // Keep a dashboard refreshing every second through a longer outage: the pool's backoff grows meanwhile.
    for (let i = 0; i < 12; i++) {
      await sleep(1000);
      expect(noticesOf(await run(settings, buffered))).toEqual([expect.stringMatching(OUTAGE_NOTICE)]);
    }
    proxy.setFault({ kind: 'none' });
    const backAt = Date.now();
    let recovered: QueryResult | undefined;
    while (Date.now() - backAt < 40_000) {
      const answer = await run(settings, buffered, sim.range, alertingHeaders());
      if (answer.status === 200) {
        recovered = answer;
        break;
      }
      await sleep(100);
    }
    const recoveryMs = Date.now() - backAt;
    process.stdout.write(`a dead RPC: fresh data ${recoveryMs} ms after the RPC came back (13 s outage)\n`);
    expect(recovered).toBeDefined();
    expect(noticesOf(recovered!)).toEqual([]);
    expect(recoveryMs).toBeLessThan(2500);
  }, 90_000);
});

describe('a reorg through the whole stack', () => {
  it('drops the events of a reorged-away block: no phantom Buffered after the chain switches forks', async () => {
    const optimism = sim.devnet.deployments[0];
    const chain = new JsonRpc(optimism.rpcUrl);
    const settings = monitorSettings('faults-reorg', [{ deployment: optimism, urls: [optimism.rpcUrl] }]);
    const timeRange = { fromMs: sim.range.fromMs, toMs: Date.now() + 7 * 86400_000 };
    const truth = summarizeLedger(sim.entries, { deployment: 'optimism' }).buffered;
    const buffered = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-sync interval
      const result = await run(settings, { queryType: 'metrics', metrics: ['buffered'], mode: 'window' }, timeRange);
      expect(result.error).toBe('');
      return result.frames[0].fields[0].values[0];
    };
    expect(await buffered()).toBe(truth);

    const snapshot = await chain.call<string>('evm_snapshot');
    const txId = await bufferNewTransaction(optimism);
    expect(await buffered()).toBe(truth + 1);

    await chain.call('evm_revert', [snapshot]);
    for (let i = 0; i < 3; i++) {
      await chain.call('evm_mine');
    }
    expect(await buffered()).toBe(truth);
    const events = await run(settings, { queryType: 'events', txIds: [txId], limit: 10 }, timeRange);
    expect(events.frames[0].fields[0].values).toHaveLength(0);
  });
  it('forgets an execution a reorg removed (within confirmations): executed and the lookup agree again', async () => {
    const optimism = sim.devnet.deployments[0];
    const chain = new JsonRpc(optimism.rpcUrl);
    const simple = new Interface(TESSERACT_SIMPLE_ABI as never);
    const send = async (functionName: string, args: unknown[], blockTime?: number) => {
      if (blockTime !== undefined) {
        await chain.call('evm_setNextBlockTimestamp', [blockTime]);
      }
      const data = simple.encodeFunctionData(functionName, args);
      // Mined before the next timestamp is set: anvil answers eth_sendTransaction before it seals the block.
      const receipt = await sendAndWait(chain, { from: optimism.operator, to: optimism.contract, data, gas: 500_000 });
      expect([functionName, receipt.status]).toEqual([functionName, '0x1']);
    };
    const settings = monitorSettings('faults-reorg-executed', [{ deployment: optimism, urls: [optimism.rpcUrl] }]);
    const timeRange = { fromMs: sim.range.fromMs, toMs: Date.now() + 7 * 86400_000 };
    const txId = hexlify(randomBytes(32));
    const executedAndState = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100)); // past the shared-sync interval
      const executed = await run(settings, { queryType: 'metrics', metrics: ['executed'], mode: 'window' }, timeRange);
      const lookup = await run(settings, { queryType: 'transaction', txIds: [txId] }, timeRange);
      expect([executed.error, lookup.error]).toEqual(['', '']);
      return [executed.frames[0].fields[0].values[0], [...new Set(column(lookup.frames[0], 'state'))]];
    };
    const head = await chain.call<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
    const bufferedAt = Number(head.timestamp) + 5;
    await send(
      'buffer_transaction',
      [
        txId,
        '0x00000000000000000000000000000000000000a1',
        '0x00000000000000000000000000000000000000b2',
        '0x01',
        '0x' + '00'.repeat(32),
        bufferedAt,
      ],
      bufferedAt
    );
    await send('resolve_dependency', [txId], bufferedAt + 1);
    const [before, stateBefore] = await executedAndState();
    expect(stateBefore).toEqual(['READY']);

    const snapshot = await chain.call<string>('evm_snapshot');
    await send('mark_executed', [txId]);
    expect(await executedAndState()).toEqual([Number(before) + 1, ['EXECUTED']]);

    // One block replaced, within the 5 confirmations: the index re-checks it by hash.
    await chain.call('evm_revert', [snapshot]);
    await chain.call('evm_mine');
    await chain.call('evm_mine');
    expect(await executedAndState()).toEqual([before, ['READY']]);
  });
});

describe('self-metrics and logs', () => {
  it('counts RPC calls by chain and method, index cache hits, and logs failures with the chain field', async () => {
    const settings = withOffline('faults-metrics');
    await run(settings, { queryType: 'metrics', metrics: ['buffered'], mode: 'window' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await run(settings, { queryType: 'metrics', metrics: ['buffered'], mode: 'window' }); // warm: from the index
    const exposition = await host.collectMetrics();
    expect(exposition).toMatch(
      /^tesseract_rpc_requests_total\{chain="optimism",method="eth_getLogs",outcome="ok"\} \d+$/m
    );
    expect(exposition).toMatch(
      /^tesseract_rpc_requests_total\{chain="offline",method="eth_chainId",outcome="unreachable"\} \d+$/m
    );
    expect(exposition).toMatch(/^plugin_cache_hits_total\{cache="log_index"\} \d+$/m);
    expect(exposition).toMatch(
      /^tesseract_indexed_events\{chain="arbitrum",datasource_uid="[^"]+",org_id="1"\} [1-9]\d*$/m
    );
    const line = await host.waitForLog((l) => l['@message'] === 'Deployment failed' && l.chain === 'offline');
    expect(line).toEqual(
      expect.objectContaining({ '@level': 'warn', refId: 'A', error: expect.stringMatching(/RPC #1: unreachable/) })
    );
    const synced = await host.waitForLog((l) => l['@message'] === 'Log index synced' && l.chain === 'arbitrum');
    expect(synced).toEqual(
      expect.objectContaining({ '@level': 'debug', added: expect.any(Number), getLogsCalls: expect.any(Number) })
    );
    expect(host.stderrLines.join('\n')).not.toContain(deadUrl);
  });
});

describe('settings that cannot work', () => {
  it('names the field in CheckHealth and in queries, and never echoes the RPC URL', async () => {
    const optimism = sim.devnet.deployments[0];
    const settings = monitorSettings('faults-bad-settings', [
      { deployment: optimism, urls: [optimism.rpcUrl] },
      {
        deployment: optimism,
        urls: ['ftp://secret@host'],
        overrides: { id: 'id-broken', name: 'broken', contract: '0x1234' },
      },
    ]);
    const health = await host.checkHealth(settings);
    expect(health.status).toBe('ERROR');
    expect(health.message).toMatch(
      /broken: settings: Contract address must be 0x followed by 40 hex digits; RPC URLs must start with http/
    );
    expect(health.message).not.toContain('secret@host');
    const query = await run(settings, { queryType: 'health', deployments: ['broken'] });
    expect([query.status, query.errorSource, query.error]).toEqual([
      400,
      'plugin',
      expect.stringMatching(/^Deployment "broken" is misconfigured/),
    ]);
    const unknown = await run(settings, { queryType: 'health', deployments: ['nowhere'] });
    expect(unknown.error).toBe('Unknown deployment "nowhere" (configured: optimism, broken)');
    // The usable deployment still answers when every deployment is asked for.
    expect((await run(settings, { queryType: 'health' })).frames[0].fields[0].values).toEqual(['optimism']);
  });
});

describe('settings as an operator writes them', () => {
  it('a minimal provisioned deployment (name, chain id, contract, RPC URL) gets the documented defaults and answers', async () => {
    const optimism = sim.devnet.deployments[0];
    const settings: SettingsInput = {
      uid: 'faults-minimal',
      jsonData: { deployments: [{ name: 'optimism', chainId: optimism.chainId, contract: optimism.contract }] },
      secureJsonData: { 'rpcUrls.optimism': optimism.rpcUrl },
      lastUpdatedMS: 1_700_000_000_000,
    };
    const health = await host.checkHealth(settings);
    expect([health.status, health.message]).toEqual(['OK', 'The deployment is OK']);
    const table = (await run(settings, { queryType: 'health' })).frames[0];
    // No operator: the dry run is sent as owner(), which the devnet authorized.
    expect([column(table, 'up')[0], column(table, 'code_present')[0], column(table, 'accepting')[0]]).toEqual([
      1, 1, 1,
    ]);
    // Start block 0 and the default max block range index the whole history: every TransactionBuffered log on
    // chain (read straight from the node, since other tests in this file buffer transactions the ledger lacks).
    const bufferedTopic = new Interface(TESSERACT_SIMPLE_ABI as never).getEvent('TransactionBuffered')!.topicHash;
    const logs = await new JsonRpc(optimism.rpcUrl).call<unknown[]>('eth_getLogs', [
      { address: optimism.contract, fromBlock: '0x0', toBlock: 'latest', topics: [bufferedTopic] },
    ]);
    expect(logs.length).toBeGreaterThanOrEqual(summarizeLedger(sim.entries, { deployment: 'optimism' }).buffered);
    // To a week ahead: other tests here set block timestamps past the wall clock.
    const range = { fromMs: sim.range.fromMs, toMs: Date.now() + 7 * 86400_000 };
    const buffered = await run(settings, { queryType: 'metrics', metrics: ['buffered'], mode: 'window' }, range);
    expect(buffered.frames[0].fields[0].values[0]).toBe(logs.length);
  });

  it('an RPC URL with user:pass@ connects with basic auth, and the password shows nowhere', async () => {
    const password = 'p@ss:w/rd SECRET-MARKER-7d2a';
    const proxy = await proxyFor('optimism');
    proxy.requireBasicAuth({ user: 'monitor', password });
    const withCredentials = (secret: string) => `http://monitor:${encodeURIComponent(secret)}@127.0.0.1:${proxy.port}/`;
    const optimism = sim.devnet.deployments[0];
    const settings = monitorSettings('faults-basic-auth', [
      { deployment: optimism, urls: [withCredentials(password)] },
      {
        deployment: optimism,
        urls: [withCredentials(`wrong ${password}`)],
        overrides: { id: 'id-wrong-password', name: 'wrong-password' },
      },
    ]);
    const result = await run(settings, { queryType: 'health' });
    const table = result.frames[0];
    expect(column(table, 'up')).toEqual([1, 0]);
    expect(column(table, 'last_error')[1]).toBe('RPC #1: HTTP 401: unauthorized');
    expect(proxy.requests().filter((r) => r.outcome === 'unauthorized').length).toBeGreaterThan(0);
    expect(proxy.requests().filter((r) => r.outcome !== 'unauthorized').length).toBeGreaterThan(0);
    const health = await host.checkHealth(settings);
    expect(health.message).toMatch(/^1 problem: wrong-password: .*RPC #1: HTTP 401/);
    const everything = [JSON.stringify(result), JSON.stringify(health), host.stderrLines.join('\n')].join('\n');
    expect(everything).not.toContain('SECRET-MARKER-7d2a');
    expect(everything).not.toContain(encodeURIComponent('SECRET-MARKER-7d2a'));
  });
});

describe('a chain clock ahead of this server', () => {
  it('reports the skew instead of a silent head age of 0', async () => {
    const ahead = 3600;
    const anvil = await startAnvil({ chainId: 4343, genesisTimestamp: Math.floor(Date.now() / 1000) + ahead });
    try {
      const settings = monitorSettings('faults-clock-skew', [
        { deployment: sim.devnet.deployments[0], urls: [anvil.rpcUrl], overrides: { name: 'ahead', chainId: 4343 } },
      ]);
      const table = (await run(settings, { queryType: 'health' })).frames[0];
      expect(column(table, 'up')).toEqual([1]);
      expect(column(table, 'head_age_seconds')).toEqual([0]);
      const skew = column(table, 'clock_skew_seconds')[0] as number;
      expect(skew).toBeGreaterThan(ahead - 60);
      expect(skew).toBeLessThanOrEqual(ahead + 1);
      const age = await run(settings, { queryType: 'health', format: 'value', field: 'head_age_seconds' });
      expect(age.frames[0].meta?.notices).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            severity: 'info',
            text: expect.stringMatching(
              /^ahead: the head block's timestamp is \d+ s ahead of this server's clock, so its age reads 0$/
            ),
          }),
        ])
      );
    } finally {
      await anvil.stop();
    }
  });
});

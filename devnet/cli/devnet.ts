// npm run devnet: start anvil chains named like rollups, deploy Tesseract, write the deployments
// file, then drive live traffic until Ctrl-C (which stops everything this started).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEPLOYMENTS_PATH, startDevnet, writeDeploymentsFile, type Deployment } from '../devnet';
import { runSimulation } from '../simulator';
import { latestBlock } from '../chain';
import { JsonRpc } from '../rpc';
import { expiryFlag, log, numberFlag, parseOrExit, seedFlag, stopSignal } from './args';

const USAGE = `Usage: npm run devnet -- [flags]
  --host ADDR            listen address of every anvil (default 127.0.0.1; 0.0.0.0 in containers)
  --port-base N          chain i listens on N+i (default: free ports)
  --advertise-host NAME  host written into the deployments file's rpcUrl (e.g. the compose service name)
  --out FILE             deployments file (default devnet/.state/deployments.json)
  --ledger FILE          ground-truth ledger, JSONL (default devnet/.state/ledger.jsonl)
  --seed N               seed of the traffic (default: time based, printed)
  --rate N               new lifecycles per minute across all chains (default 30)
  --block-time S         seconds per block during live traffic, 0 = one block per tx (default 1)
  --expiry MODE          wait (default; chain clocks follow the wall clock) or time-travel
  --history-days D       first write D days of history ending now (fast mode), then go live
  --history-events N     events of that history across all chains (default 20000)
  --no-simulate          deploy and write the file, then idle until Ctrl-C
`;

async function main(): Promise<void> {
  const flags = parseOrExit(
    () =>
      parseArgs({
        options: {
          host: { type: 'string' },
          'port-base': { type: 'string' },
          'advertise-host': { type: 'string' },
          out: { type: 'string' },
          ledger: { type: 'string' },
          seed: { type: 'string' },
          rate: { type: 'string' },
          'block-time': { type: 'string' },
          expiry: { type: 'string' },
          'history-days': { type: 'string' },
          'history-events': { type: 'string' },
          'no-simulate': { type: 'boolean' },
          help: { type: 'boolean' },
        },
      }),
    USAGE
  );
  const expiry = expiryFlag(flags.expiry, 'wait');
  const portBase = flags['port-base'] === undefined ? undefined : numberFlag(flags['port-base'], 'port-base', 0);
  const blockTime = numberFlag(flags['block-time'], 'block-time', 1);
  const historyDays = numberFlag(flags['history-days'], 'history-days', 0);
  const historyEvents = numberFlag(flags['history-events'], 'history-events', 20000);
  const rate = numberFlag(flags.rate, 'rate', 30);
  const seed = seedFlag(flags.seed);
  const out = path.resolve(flags.out ?? DEFAULT_DEPLOYMENTS_PATH);
  const ledgerPath = path.resolve(flags.ledger ?? path.join(path.dirname(DEFAULT_DEPLOYMENTS_PATH), 'ledger.jsonl'));
  const signal = stopSignal();

  // History ends shortly before now: the chains start backdated by the history span plus 15 minutes.
  const genesisTimestamp = historyDays > 0 ? Math.floor(Date.now() / 1000 - historyDays * 86400 - 900) : undefined;
  const devnet = await startDevnet({ host: flags.host, portBase, genesisTimestamp });
  try {
    for (const d of devnet.deployments) {
      log(
        `${d.name} (chain ${d.chainId}, ${d.abi}/${d.build}) at ${d.rpcUrl}: contract ${d.contract}, block ${d.deployBlock}`
      );
    }
    if (historyDays > 0 && !signal.aborted) {
      log(`writing ${historyDays} days of history (~${historyEvents} events, seed ${seed}) to ${ledgerPath}.history`);
      await runSimulation({
        deployments: devnet.deployments,
        seed: `${seed}-history`,
        fast: { days: historyDays, events: historyEvents },
        ledgerPath: `${ledgerPath}.history`,
        signal,
        log,
      });
      await Promise.all(devnet.deployments.map((d) => catchUpWithWallClock(new JsonRpc(d.rpcUrl))));
    }
    // Live chains mine on an interval, like rollups; the file says so, so that fast mode can restore it.
    const deployments = devnet.deployments.map((d) => (blockTime > 0 ? { ...d, blockTime } : d));
    if (blockTime > 0) {
      await Promise.all(deployments.map((d) => new JsonRpc(d.rpcUrl).call('evm_setIntervalMining', [blockTime])));
    }
    // Written once the chains are ready (after any history), so its presence means "ready".
    writeDeploymentsFile(out, advertise(deployments, flags['advertise-host']));
    log(`wrote ${out}`);
    if (flags['no-simulate']) {
      log('chains are up; Ctrl-C stops them');
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } else if (!signal.aborted) {
      log(`live traffic: ${rate}/min, seed ${seed}, expiry ${expiry}, ledger ${ledgerPath}; Ctrl-C stops`);
      const result = await runSimulation({
        deployments,
        seed,
        ratePerMinute: rate,
        expiry,
        ledgerPath,
        signal,
        log,
      });
      log(`stopped after ${result.entries.length} transactions: ${JSON.stringify(result.eventsByDeployment)} events`);
    }
  } finally {
    await devnet.stop();
    log('anvil chains stopped');
  }
}

/** The deployments as seen from elsewhere (e.g. Grafana in another container). */
function advertise(deployments: Deployment[], host: string | undefined): Deployment[] {
  if (!host) {
    return deployments;
  }
  return deployments.map((d) => {
    const url = new URL(d.rpcUrl);
    url.hostname = host;
    return { ...d, rpcUrl: url.toString().replace(/\/$/, '') };
  });
}

/** After backdated history, the next block lands at wall-clock time and the chain clock follows it. */
async function catchUpWithWallClock(rpc: JsonRpc): Promise<void> {
  const latest = await latestBlock(rpc);
  await rpc.call('evm_mine', [Math.max(Math.floor(Date.now() / 1000), latest.timestamp + 1)]);
}

main().catch((error: unknown) => {
  log(`devnet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});

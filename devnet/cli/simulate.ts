// npm run simulate: traffic against deployments that are already running (e.g. `npm run devnet --
// --no-simulate`). Live by default; --fast writes days of history in minutes.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEPLOYMENTS_PATH, readDeploymentsFile, type Deployment } from '../devnet';
import { runSimulation } from '../simulator';
import { expiryFlag, fail, log, numberFlag, parseOrExit, seedFlag, stopSignal } from './args';

const USAGE = `Usage: npm run simulate -- [flags]
  --deployments FILE   deployments file (default devnet/.state/deployments.json)
  --only NAMES         comma-separated deployment names (default: all)
  --ledger FILE        ground-truth ledger, JSONL (default devnet/.state/simulate-ledger.jsonl)
  --seed N             seed (default: time based, printed)
  --fast               write history with chosen block timestamps instead of live traffic
  --days D             fast: span of block timestamps (default 7)
  --events N           fast: contract events across all deployments (default 20000)
  --rate N             live: new lifecycles per minute (default 30)
  --seconds S          live: stop starting lifecycles after S seconds, then drain (default: until Ctrl-C)
  --lifecycles N       live: stop after N lifecycles, then drain
  --expiry MODE        live: time-travel (default) or wait
`;

async function main(): Promise<void> {
  const flags = parseOrExit(
    () =>
      parseArgs({
        options: {
          deployments: { type: 'string' },
          only: { type: 'string' },
          ledger: { type: 'string' },
          seed: { type: 'string' },
          fast: { type: 'boolean' },
          days: { type: 'string' },
          events: { type: 'string' },
          rate: { type: 'string' },
          seconds: { type: 'string' },
          lifecycles: { type: 'string' },
          expiry: { type: 'string' },
          help: { type: 'boolean' },
        },
      }),
    USAGE
  );
  const expiry = expiryFlag(flags.expiry, 'time-travel');
  const file = path.resolve(flags.deployments ?? DEFAULT_DEPLOYMENTS_PATH);
  let deployments: Deployment[];
  try {
    deployments = readDeploymentsFile(file);
  } catch (error) {
    fail(
      `cannot read deployments: ${error instanceof Error ? error.message : String(error)}\nStart a devnet first: npm run devnet -- --no-simulate`
    );
  }
  if (flags.only) {
    const wanted = flags.only.split(',').map((name) => name.trim());
    const unknown = wanted.filter((name) => !deployments.some((d) => d.name === name));
    if (unknown.length > 0) {
      fail(`--only: no deployment named ${unknown.join(', ')} in ${file}`);
    }
    deployments = deployments.filter((d) => wanted.includes(d.name));
  }
  const seed = seedFlag(flags.seed);
  const ledgerPath = path.resolve(
    flags.ledger ?? path.join(path.dirname(DEFAULT_DEPLOYMENTS_PATH), 'simulate-ledger.jsonl')
  );
  const started = Date.now();
  log(`simulating on ${deployments.map((d) => d.name).join(', ')} (seed ${seed}), ledger ${ledgerPath}`);
  const result = await runSimulation({
    deployments,
    seed,
    ledgerPath,
    signal: stopSignal(),
    log,
    expiry,
    ratePerMinute: numberFlag(flags.rate, 'rate', 30),
    until: {
      seconds: flags.seconds === undefined ? undefined : numberFlag(flags.seconds, 'seconds', 0),
      lifecycles: flags.lifecycles === undefined ? undefined : numberFlag(flags.lifecycles, 'lifecycles', 0),
    },
    fast: flags.fast
      ? { days: numberFlag(flags.days, 'days', 7), events: numberFlag(flags.events, 'events', 20000) }
      : undefined,
  });
  const { summary } = result;
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${result.entries.length} transactions ` +
      `(${summary.reverted} reverted), events ${JSON.stringify(result.eventsByDeployment)}, ` +
      `buffered ${summary.buffered}, ready ${summary.ready}, failed ${summary.failed}, silent failures ${summary.silentFailures}`
  );
}

main().catch((error: unknown) => {
  log(`simulate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});

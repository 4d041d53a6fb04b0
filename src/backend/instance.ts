import type { RpcObserver, SyncReport } from './chain';
import {
  QueryError,
  QueryTypeMux,
  createLogger,
  dataSourceKey,
  metrics,
  pluginMetrics,
  type DataQuery,
  type DataSourceInstance,
  type Frame,
  type HealthResult,
  type InstanceSettings,
  type Logger,
  type RequestContext,
  type ResourceRequest,
  type ResourceResponse,
  type StreamRequest,
  type StreamSender,
  type SubscribeStreamResult,
} from './grafana';
import {
  INDEX_STORE_POSTGRES_URL_KEY,
  parseIndexStore,
  parseQuery,
  parseRpcUrls,
  rpcUrlsKey,
  validateDeployment,
  validateSettings,
  type TesseractQuery,
} from '../query';
import { callQuery } from './handlers/call';
import type { HandlerContext } from './handlers/common';
import { eventsQuery } from './handlers/events';
import { healthQuery } from './handlers/health';
import { LiveChannels, liveQuery } from './handlers/live';
import { metricsQuery } from './handlers/metrics';
import { transactionQuery } from './handlers/transaction';
import { variableValues, variablesQuery } from './handlers/variables';
import { checkDeployment } from './tesseract/check';
import { RESOLUTION_BUCKETS_SECONDS, type NewlyConfirmed } from './tesseract/confirmed';
import { Deployment } from './tesseract/deployment';
import { indexStoreDirectory, journalOpener } from './tesseract/indexstore';
import { LineBudget, logNewEvents } from './tesseract/lifecyclelog';
import { LiveFeed } from './tesseract/livefeed';

const HANDLERS = new QueryTypeMux<HandlerContext>()
  .handle('health', healthQuery)
  .handle('events', eventsQuery)
  .handle('metrics', metricsQuery)
  .handle('transaction', transactionQuery)
  .handle('call', callQuery)
  .handle('variables', variablesQuery);

/** Panels of one dashboard refresh together: syncs this close reuse the previous one. */
const MIN_SYNC_INTERVAL_MS = 1000;

// Self-metrics, shared by every instance (the registry is process-wide).
const rpcRequests = metrics.counter(
  'tesseract_rpc_requests_total',
  'JSON-RPC requests sent, by chain, method and outcome.'
);
const rpcDuration = metrics.histogram(
  'tesseract_rpc_request_duration_seconds',
  'JSON-RPC round trips, by chain and method.'
);
const rpcFailovers = metrics.counter('tesseract_rpc_failovers_total', 'Times a deployment switched RPC endpoint.');
const syncedLogs = metrics.counter('tesseract_logs_indexed_total', 'Logs added to the in-memory index, by chain.');

/**
 * The guide's series. Grafana's CollectMetrics request names only the plugin, no data source, so every
 * instance this process holds is exported, by org and uid; `datasource_uid` and `org_id` keep two data
 * sources on one contract apart. The counters are on-chain totals of confirmed events (see
 * ConfirmedEvents), served once a deployment's first sync is complete.
 */
const exported = new Map<string, TesseractDataSource>();
/** transaction_count() at the last head a collection read, per deployment. */
const transactionCounts = new WeakMap<Deployment, number>();

function exportedDeployments(): Array<{ deployment: Deployment; labels: Record<string, string> }> {
  return [...exported.values()].flatMap((instance) =>
    instance.deployments
      .filter((deployment) => deployment.confirmed().ready)
      .map((deployment) => ({ deployment, labels: { ...deployment.labels, ...instance.seriesLabels } }))
  );
}

const totalsSeries = (key: 'buffered' | 'ready' | 'failed') => () =>
  exportedDeployments().map(({ deployment, labels }) => ({ labels, value: deployment.confirmed().totals()[key] }));
metrics.counterFrom(
  'tesseract_transactions_buffered_total',
  'TransactionBuffered events on chain from the start block, confirmed blocks only.',
  totalsSeries('buffered')
);
metrics.counterFrom(
  'tesseract_transactions_ready_total',
  'TransactionReady events on chain from the start block, confirmed blocks only.',
  totalsSeries('ready')
);
metrics.counterFrom(
  'tesseract_transactions_failed_total',
  'TransactionFailed events on chain from the start block, confirmed blocks only.',
  totalsSeries('failed')
);
metrics.gauge('tesseract_transaction_count', 'transaction_count() of the contract at the latest head read.', () =>
  exportedDeployments().flatMap(({ deployment, labels }) => {
    const value = transactionCounts.get(deployment);
    return value === undefined ? [] : [{ labels, value }];
  })
);
metrics.histogramFrom(
  'tesseract_resolution_time_seconds',
  'Buffered to Ready, block time to block time, of confirmed TransactionReady events.',
  RESOLUTION_BUCKETS_SECONDS,
  () =>
    exportedDeployments().map(({ deployment, labels }) => ({ labels, ...deployment.confirmed().totals().resolution }))
);

metrics.gauge('tesseract_indexed_events', 'Decoded events held in memory, by chain.', () =>
  [...exported.values()].flatMap((instance) =>
    instance.deployments.map((d) => ({
      labels: { chain: d.name, ...instance.seriesLabels },
      value: d.logIndex().stats().count,
    }))
  )
);

// A scrape brings every deployment to its head (one request when no block is new) and reads the count.
metrics.beforeCollect(async () => {
  // Settled: one deployment whose RPC fails must not cut the wait for the others short.
  await Promise.allSettled(
    [...exported.values()].flatMap((instance) =>
      instance.deployments.map(async (deployment) => {
        await deployment.sync();
        if (deployment.contract.hasFunction('transaction_count')) {
          const [count] = await deployment.call('transaction_count');
          transactionCounts.set(deployment, Number(count));
        }
      })
    )
  );
});

/** Lifecycle log lines, over all deployments: bursts beyond this are summarised. */
const lifecycleLines = new LineBudget(100, 10);

function observerFor(chain: string): RpcObserver {
  return {
    onCall: (event) => {
      rpcRequests.inc(
        { chain, method: event.method, outcome: event.ok ? 'ok' : (event.errorKind ?? 'error') },
        event.requests
      );
      rpcDuration.observe({ chain, method: event.method }, event.ms / 1000);
    },
    onFailover: () => rpcFailovers.inc({ chain }),
  };
}

/** What the index store said, once per deployment (and a write failure once more when it happens). */
const journalLogged = new WeakMap<Deployment, { loaded: boolean; writeError: boolean; role?: string }>();

function logJournal(deployment: Deployment, logger: Logger): void {
  const journal = deployment.logIndex().stats().journal;
  const logged = journalLogged.get(deployment) ?? { loaded: false, writeError: false };
  journalLogged.set(deployment, logged);
  if (!journal) {
    return;
  }
  if (!logged.loaded) {
    logged.loaded = true;
    const fields = {
      chain: deployment.name,
      store: journal.description,
      records: journal.loadedRecords,
      ms: journal.loadMs,
    };
    if (journal.warning) {
      logger.warn('Stored log index discarded (re-synced from the chain)', { ...fields, warning: journal.warning });
    } else {
      logger.info('Log index loaded from the index store', fields);
    }
  }
  if (journal.role !== logged.role) {
    logged.role = journal.role;
    logger.info('Index store role', { chain: deployment.name, store: journal.description, role: journal.role });
  }
  if (journal.writeError && !logged.writeError) {
    logged.writeError = true;
    logger.warn('Index store write failed: the index is kept in memory only', {
      chain: deployment.name,
      store: journal.description,
      error: journal.writeError,
    });
  }
}

function recordSync(
  deployment: Deployment,
  report: SyncReport,
  fresh: boolean,
  confirmed: NewlyConfirmed | undefined,
  logger: Logger
): void {
  const chain = deployment.name;
  if (confirmed?.first) {
    logger.info('Lifecycle events are logged from here on', {
      ...deployment.labels,
      history_to_block: confirmed.historyToBlock,
      history_events: report.added,
    });
  }
  if (confirmed) {
    logNewEvents(deployment.logIndex().store, confirmed, deployment.labels, lifecycleLines, logger);
  }
  // A reused report, or a sync that fetched no new block, was answered from the index.
  const cached = !fresh || report.getLogsCalls === 0;
  (cached ? pluginMetrics.cacheHits : pluginMetrics.cacheMisses).inc({ cache: 'log_index' });
  if (!fresh) {
    return;
  }
  logJournal(deployment, logger);
  syncedLogs.inc({ chain }, report.added);
  if (!cached || report.dropped > 0) {
    logger.debug('Log index synced', {
      chain,
      fromBlock: report.fromBlock,
      toBlock: report.toBlock,
      added: report.added,
      dropped: report.dropped,
      reorgFromBlock: report.reorgFromBlock,
      getLogsCalls: report.getLogsCalls,
      durationMs: Math.round(report.durationMs),
    });
  }
}

/**
 * A deployment's slot in the index store. Org 1 keeps the name of the single-org installs before it, whose
 * stored indexes stay theirs; other orgs' start with `<org>/`, which no valid uid holds.
 */
function journalSlot(orgId: number, uid: string, deploymentId: string): string {
  return `${orgId === 1 ? '' : `${orgId}/`}${uid}.${deploymentId}`;
}

/** A deployment whose settings cannot be used, with the reason shown to the user. */
interface BrokenDeployment {
  name: string;
  problem: string;
}

/**
 * The Tesseract data source instance: lives until its settings change. Deployments (RPC pool, block
 * clock, log index) are built once here; the log index fills lazily on the first query and is kept.
 */
export class TesseractDataSource implements DataSourceInstance {
  readonly deployments: Deployment[] = [];
  /** What tells this data source's exported series from another's (of this org or another one). */
  readonly seriesLabels: { datasource_uid: string; org_id: string };
  private readonly broken: BrokenDeployment[] = [];
  private readonly settingsErrors: string[];
  private readonly uid: string;
  /** Org and uid: the key of `exported`. */
  private readonly key: string;
  private readonly live = new LiveChannels((names) => this.select(names));

  constructor(settings: InstanceSettings, logger: Logger) {
    this.uid = settings.uid;
    this.key = dataSourceKey(settings.orgId, settings.uid);
    this.seriesLabels = { datasource_uid: settings.uid, org_id: String(settings.orgId) };
    const { settings: parsed, errors } = validateSettings(settings.jsonData);
    const indexStore = parseIndexStore(settings.jsonData);
    this.settingsErrors = [...errors, ...indexStore.errors];
    const { directory, source } = indexStoreDirectory(indexStore.store.directory);
    const postgresUrl = settings.secureJsonData[INDEX_STORE_POSTGRES_URL_KEY]?.trim() || undefined;
    if (indexStore.store.kind === 'postgres' && !postgresUrl) {
      this.settingsErrors.push('Index store: Postgres is chosen but no connection URL is saved; local files are used');
    }
    const openJournal = journalOpener(indexStore.store, directory, postgresUrl);
    logger.info('Index store', { kind: indexStore.store.kind ?? 'file', directory, chosenBy: source });
    for (const deployment of parsed.deployments) {
      const rpcUrls = parseRpcUrls(settings.secureJsonData[rpcUrlsKey(deployment.id)]);
      const problems = Object.entries(validateDeployment(deployment, rpcUrls)).map(([, message]) => message);
      const name = deployment.name || `#${deployment.id}`;
      if (problems.length > 0) {
        this.broken.push({ name, problem: problems.join('; ') });
        continue;
      }
      try {
        const runtime: Deployment = new Deployment({
          settings: deployment,
          rpcUrls,
          observer: observerFor(deployment.name),
          minSyncIntervalMs: MIN_SYNC_INTERVAL_MS,
          journal: { open: openJournal, slot: journalSlot(settings.orgId, settings.uid, deployment.id) },
          retention: indexStore.store.retention,
          onSync: (report, fresh, confirmed) => {
            recordSync(runtime, report, fresh, confirmed, logger);
            LiveFeed.existing(runtime)?.afterSync();
          },
        });
        this.deployments.push(runtime);
      } catch (error) {
        this.broken.push({ name, problem: error instanceof Error ? error.message : String(error) });
      }
    }
    for (const { name, problem } of this.broken) {
      logger.warn('Deployment not usable', { chain: name, error: problem });
    }
    // Replaces the instance of the same data source (settings changed): one set of series per org and uid.
    exported.set(this.key, this);
  }

  async query(dataQuery: DataQuery, ctx: RequestContext): Promise<Frame[]> {
    const query = this.parse(dataQuery);
    const { fromMs, toMs } = dataQuery.timeRange;
    if (toMs > 0 && fromMs > toMs) {
      // Dates only within JavaScript's range (±8.64e15 ms); beyond it the raw milliseconds.
      const when = (ms: number) => (Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`);
      throw new QueryError(`Invalid time range: from (${when(fromMs)}) is after to (${when(toMs)})`, { status: 400 });
    }
    const handlerCtx = this.handlerContext(query, dataQuery, ctx);
    if ((query.queryType === 'events' || query.queryType === 'metrics') && query.live) {
      return liveQuery(handlerCtx as HandlerContext<typeof query>, this.uid);
    }
    return HANDLERS.query(handlerCtx);
  }

  subscribeStream(request: StreamRequest): Promise<SubscribeStreamResult> {
    return this.live.subscribe(request);
  }

  runStream(request: StreamRequest, sender: StreamSender, ctx: RequestContext): Promise<void> {
    return this.live.run(request, sender, ctx);
  }

  async checkHealth(ctx: RequestContext): Promise<HealthResult> {
    const problems = [...this.settingsErrors, ...this.broken.map((b) => `${b.name}: settings: ${b.problem}`)];
    if (this.deployments.length === 0 && problems.length === 0) {
      problems.push('No deployments configured: add one in the data source settings');
    }
    const checks = await Promise.all(this.deployments.map((deployment) => checkDeployment(deployment)));
    const lines = checks.map((check) => `${check.ok ? 'OK' : 'FAILED'} ${check.message}`);
    for (const check of checks.filter((c) => !c.ok)) {
      ctx.logger.warn('Health check failed', { chain: check.chain, error: check.message });
    }
    const failed = checks.filter((check) => !check.ok).length + problems.length;
    const summary =
      failed === 0
        ? checks.length === 1
          ? 'The deployment is OK'
          : `All ${checks.length} deployments OK`
        : `${failed} ${failed === 1 ? 'problem' : 'problems'}: ${[...problems, ...checks.filter((c) => !c.ok).map((c) => c.message)].join(' | ')}`;
    return {
      status: failed === 0 ? 'OK' : 'ERROR',
      message: summary,
      details: { verboseMessage: [...problems.map((p) => `FAILED ${p}`), ...lines].join('\n'), deployments: checks },
    };
  }

  async callResource(request: ResourceRequest, ctx: RequestContext): Promise<ResourceResponse> {
    const path = request.path.replace(/^\/+|\/+$/g, '');
    if (path !== 'variables') {
      throw new QueryError(`no resource at "${request.path}": available: variables`, { status: 404 });
    }
    let body: unknown = {};
    const text = request.body.toString('utf8').trim();
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new QueryError(`variables: the body is not valid JSON: ${(error as Error).message}`, { status: 400 });
      }
    }
    const query = this.parse({
      refId: 'variables',
      queryType: 'variables',
      timeRange: { fromMs: 0, toMs: Date.now() },
      intervalMs: 0,
      maxDataPoints: 0,
      json: { ...(body as object), queryType: 'variables' },
    });
    if (query.queryType !== 'variables') {
      throw new Error(`the variables resource parsed a ${query.queryType} query`);
    }
    const { values } = await variableValues(this.handlerContext(query, undefined, ctx));
    return { status: 200, body: values };
  }

  dispose(): void {
    if (exported.get(this.key) === this) {
      exported.delete(this.key);
    }
    this.live.dispose();
    for (const deployment of this.deployments) {
      LiveFeed.existing(deployment)?.dispose();
      deployment.dispose();
    }
  }

  /** Validates the query JSON (after migrations and defaults); every problem is listed in one 400. */
  private parse(dataQuery: DataQuery): TesseractQuery {
    const json =
      dataQuery.json && typeof dataQuery.json === 'object' && !Array.isArray(dataQuery.json) ? dataQuery.json : {};
    const raw = { queryType: dataQuery.queryType || undefined, ...json, refId: dataQuery.refId };
    const parsed = parseQuery(raw);
    if (!parsed.ok) {
      throw new QueryError(`Invalid query: ${parsed.errors.join('; ')}`, { status: 400, source: 'plugin' });
    }
    return parsed.query;
  }

  private handlerContext<Q extends TesseractQuery>(
    query: Q,
    dataQuery: DataQuery | undefined,
    ctx: RequestContext
  ): HandlerContext<Q> {
    const now = Date.now();
    return {
      query,
      deployments: this.select(query.deployments),
      range: dataQuery && dataQuery.timeRange.toMs > 0 ? dataQuery.timeRange : { fromMs: now - 3600_000, toMs: now },
      intervalMs: dataQuery?.intervalMs ?? 0,
      maxDataPoints: dataQuery?.maxDataPoints ?? 0,
      logger: ctx.logger,
      fromAlert: ctx.fromAlert,
    };
  }

  /** The deployments a query names (all when it names none); unknown or unusable names are a 400. */
  private select(names: readonly string[]): Deployment[] {
    if (this.settingsErrors.length > 0) {
      throw new QueryError(`Data source settings: ${this.settingsErrors.join('; ')}`, { status: 400 });
    }
    const wanted = [
      ...new Set(
        names
          .flatMap((name) => name.replace(/^\{|\}$/g, '').split(','))
          .map((name) => name.trim())
          .filter(Boolean)
      ),
    ];
    if (wanted.length === 0 || (wanted.length === 1 && (wanted[0] === '*' || wanted[0] === '$__all'))) {
      if (this.deployments.length === 0) {
        const why = this.broken.map((b) => `${b.name}: ${b.problem}`).join('; ');
        throw new QueryError(
          why ? `No usable deployment: ${why}` : 'No deployments configured: add one in the data source settings'
        );
      }
      return this.deployments;
    }
    return wanted.map((name) => {
      const deployment = this.deployments.find((d) => d.name === name);
      if (deployment) {
        return deployment;
      }
      const broken = this.broken.find((b) => b.name === name);
      if (broken) {
        throw new QueryError(`Deployment "${name}" is misconfigured: ${broken.problem}`);
      }
      const known = [...this.deployments.map((d) => d.name), ...this.broken.map((b) => b.name)].join(', ');
      throw new QueryError(`Unknown deployment "${name}" (configured: ${known || 'none'})`);
    });
  }
}

export function createDataSource(settings: InstanceSettings, logger: Logger = createLogger()): DataSourceInstance {
  return new TesseractDataSource(settings, logger);
}

import * as grpc from '@grpc/grpc-js';
import {
  dataQueryFrom,
  dataSourceLogFields,
  instanceSettingsError,
  instanceSettingsFrom,
  isFromAlert,
  userFrom,
} from './convert';
import { QueryError, redactSecrets, toErrorReport } from './errors';
import { encodeFrames } from './frames';
import { InstanceManager } from './instances';
import { createLogger, type Logger } from './logger';
import { metrics as defaultRegistry, pluginMetrics, type MetricsRegistry } from './prometheus';
import { streamService } from './streamservice';
import {
  serviceDefinition,
  type WireCallResourceRequest,
  type WireCallResourceResponse,
  type WireCheckHealthRequest,
  type WireCheckHealthResponse,
  type WireCollectMetricsResponse,
  type WireDataQuery,
  type WireDataResponse,
  type WirePluginContext,
  type WireQueryDataRequest,
  type WireQueryDataResponse,
} from './protocol';
import type { DataSourceInstance, InstanceFactory, RequestContext, ResourceResponse } from './types';

export interface ServeOptions {
  createInstance: InstanceFactory;
  logger?: Logger;
  metrics?: MetricsRegistry;
  /** Interface to bind; Grafana dials 127.0.0.1, and nothing else should reach the plugin. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Called after the Shutdown RPC has been answered. */
  onShutdownRequest?: () => void;
}

export interface PluginServer {
  port: number;
  /** `host:port` as printed in the handshake. */
  address: string;
  instances: InstanceManager;
  /** Stops serving and disposes every instance. */
  stop(): Promise<void>;
}

// Grafana sends requests of any size (its client limit is MaxInt32); grpc-js would reject over 4 MiB.
const UNLIMITED_MESSAGES: grpc.ServerOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
};

const HEALTHY_SERVICES = new Set([
  '',
  'plugin',
  'pluginv2.Data',
  'pluginv2.Diagnostics',
  'pluginv2.Resource',
  'pluginv2.Stream',
]);

type Unary<Req, Res> = (request: Req, signal: AbortSignal) => Promise<Res>;

function abortOnCancel(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>) {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort(new Error('request cancelled by Grafana')));
  return controller.signal;
}

function toWireHeaders(headers: Record<string, string[]> | undefined): Record<string, { values: string[] }> {
  const out: Record<string, { values: string[] }> = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    out[name] = { values: [...values] };
  }
  return out;
}

function resourceBody(response: ResourceResponse): { body: Buffer; contentType?: string } {
  const { body } = response;
  if (Buffer.isBuffer(body)) {
    return { body };
  }
  if (body instanceof Uint8Array) {
    return { body: Buffer.from(body) };
  }
  if (typeof body === 'string') {
    return { body: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  }
  if (body === undefined) {
    return { body: Buffer.alloc(0) };
  }
  return { body: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' };
}

function hasHeader(headers: Record<string, unknown>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name.toLowerCase());
}

/** Starts the plugin's gRPC services on host:port. Prints nothing: the go-plugin handshake is `runPlugin`'s job. */
export async function startServer(options: ServeOptions): Promise<PluginServer> {
  const logger = options.logger ?? createLogger();
  const registry = options.metrics ?? defaultRegistry;
  const instances = new InstanceManager(options.createInstance, logger);
  const server = new grpc.Server(UNLIMITED_MESSAGES);

  const requestContext = (
    pluginContext: WirePluginContext | null,
    headers: Record<string, string>,
    signal: AbortSignal,
    requestLogger: Logger
  ): RequestContext => ({
    fromAlert: isFromAlert(headers),
    headers,
    user: userFrom(pluginContext),
    orgId: pluginContext?.orgId ?? 0,
    logger: requestLogger,
    signal,
  });

  const secretsOf = (pluginContext: WirePluginContext | null): string[] =>
    Object.values(pluginContext?.dataSourceInstanceSettings?.decryptedSecureJsonData ?? {});

  const instanceFor = async (pluginContext: WirePluginContext | null): Promise<DataSourceInstance> => {
    const wire = pluginContext?.dataSourceInstanceSettings;
    if (!wire) {
      throw instanceSettingsError();
    }
    return instances.get(pluginContext.orgId, wire.uid, wire.lastUpdatedMS, () => instanceSettingsFrom(pluginContext));
  };

  const unary =
    <Req, Res>(method: string, handler: Unary<Req, Res>) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      pluginMetrics.rpcCalls.inc({ method });
      handler(call.request, abortOnCancel(call)).then(
        (response) => callback(null, response),
        (error: unknown) => {
          pluginMetrics.rpcErrors.inc({ method });
          logger.error('RPC failed', { method, error });
          callback({ code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) });
        }
      );
    };

  const runQuery = async (
    query: WireDataQuery,
    instance: Promise<DataSourceInstance>,
    pluginContext: WirePluginContext | null,
    headers: Record<string, string>,
    signal: AbortSignal
  ): Promise<WireDataResponse> => {
    const queryLogger = logger.with({
      ...dataSourceLogFields(pluginContext),
      refId: query.refId,
      queryType: query.queryType,
    });
    const stopTimer = pluginMetrics.queryDuration.startTimer({ query_type: query.queryType });
    try {
      const dataQuery = dataQueryFrom(query);
      const ctx = requestContext(pluginContext, headers, signal, queryLogger);
      const resolved = await instance;
      const frames = await resolved.query(dataQuery, ctx);
      if (!Array.isArray(frames)) {
        throw new Error('data source returned no frame list');
      }
      // Each file is a fresh array: wrapped, not copied.
      const encoded = encodeFrames(frames.map((frame) => ({ ...frame, refId: frame.refId || query.refId }))).map(
        (file) => Buffer.from(file.buffer, file.byteOffset, file.byteLength)
      );
      pluginMetrics.queries.inc({ query_type: query.queryType, status: '200' });
      return { frames: encoded, error: '', status: 200, errorSource: '' };
    } catch (error) {
      const report = toErrorReport(error, secretsOf(pluginContext));
      pluginMetrics.queries.inc({ query_type: query.queryType, status: String(report.status) });
      pluginMetrics.queryErrors.inc({ query_type: query.queryType, source: report.source });
      const log = report.status === 500 ? queryLogger.error : queryLogger.warn;
      log('Query failed', { error: report.message, status: report.status, errorSource: report.source });
      return { frames: [], error: report.message, status: report.status, errorSource: report.source };
    } finally {
      stopTimer();
    }
  };

  const queryData: Unary<WireQueryDataRequest, WireQueryDataResponse> = async (request, signal) => {
    const headers = request.headers ?? {};
    const instance = instanceFor(request.pluginContext);
    instance.catch(() => undefined); // reported per query below
    const responses: Record<string, WireDataResponse> = {};
    await Promise.all(
      request.queries.map(async (query) => {
        responses[query.refId] = await runQuery(query, instance, request.pluginContext, headers, signal);
      })
    );
    return { responses };
  };

  const checkHealth: Unary<WireCheckHealthRequest, WireCheckHealthResponse> = async (request, signal) => {
    const healthLogger = logger.with(dataSourceLogFields(request.pluginContext));
    try {
      const instance = await instanceFor(request.pluginContext);
      const result = await instance.checkHealth(
        requestContext(request.pluginContext, request.headers ?? {}, signal, healthLogger)
      );
      const secrets = secretsOf(request.pluginContext);
      const details = result.details === undefined ? '' : redactSecrets(JSON.stringify(result.details), secrets);
      const message = redactSecrets(result.message, secrets);
      return { status: result.status, message, jsonDetails: Buffer.from(details, 'utf8') };
    } catch (error) {
      const report = toErrorReport(error, secretsOf(request.pluginContext));
      healthLogger.warn('Health check failed', { error: report.message });
      return { status: 'ERROR', message: report.message, jsonDetails: Buffer.alloc(0) };
    }
  };

  const collectMetrics: Unary<unknown, WireCollectMetricsResponse> = async () => ({
    metrics: { prometheus: Buffer.from(await registry.collect(), 'utf8') },
  });

  const callResource = (call: grpc.ServerWritableStream<WireCallResourceRequest, WireCallResourceResponse>) => {
    const method = 'CallResource';
    pluginMetrics.rpcCalls.inc({ method });
    const request = call.request;
    const signal = abortOnCancel(call);
    const resourceLogger = logger.with({
      ...dataSourceLogFields(request.pluginContext),
      path: request.path,
    });
    const answer = async (): Promise<WireCallResourceResponse> => {
      try {
        const instance = await instanceFor(request.pluginContext);
        if (!instance.callResource) {
          throw new QueryError(`no resource at ${request.path}`, { status: 404 });
        }
        const headers: Record<string, string[]> = {};
        for (const [name, list] of Object.entries(request.headers ?? {})) {
          headers[name] = list.values;
        }
        const response = await instance.callResource(
          { path: request.path, method: request.method, url: request.url, body: request.body, headers },
          requestContext(request.pluginContext, {}, signal, resourceLogger)
        );
        const { body, contentType } = resourceBody(response);
        const responseHeaders = { ...response.headers };
        if (contentType && !hasHeader(responseHeaders, 'content-type')) {
          responseHeaders['Content-Type'] = [contentType];
        }
        return { code: response.status, headers: toWireHeaders(responseHeaders), body };
      } catch (error) {
        const report = toErrorReport(error, secretsOf(request.pluginContext));
        pluginMetrics.rpcErrors.inc({ method });
        resourceLogger.warn('Resource call failed', { error: report.message, status: report.status });
        return {
          code: report.status,
          headers: toWireHeaders({ 'Content-Type': ['application/json'] }),
          body: Buffer.from(JSON.stringify({ message: report.message }), 'utf8'),
        };
      }
    };
    // Grafana treats a stream without any message as an error, so exactly one message is always sent.
    void answer().then((response) => {
      call.write(response);
      call.end();
    });
  };

  server.addService(serviceDefinition('pluginv2.Data'), { QueryData: unary('QueryData', queryData) });
  server.addService(serviceDefinition('pluginv2.Diagnostics'), {
    CheckHealth: unary('CheckHealth', checkHealth),
    CollectMetrics: unary('CollectMetrics', collectMetrics),
  });
  server.addService(serviceDefinition('pluginv2.Resource'), { CallResource: callResource });
  const streams = streamService({ logger, instanceFor, requestContext, secretsOf });
  server.addService(serviceDefinition('pluginv2.Stream'), streams.handlers);
  server.addService(serviceDefinition('grpc.health.v1.Health'), {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      if (HEALTHY_SERVICES.has(call.request.service)) {
        callback(null, { status: 'SERVING' });
      } else {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      }
    },
  });
  server.addService(serviceDefinition('plugin.GRPCController'), {
    Shutdown: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      logger.info('Shutdown requested by Grafana');
      callback(null, {});
      options.onShutdownRequest?.();
    },
  });

  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound)
    )
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Open RunStream calls end with UNAVAILABLE, so that Grafana runs them again on the next process.
      streams.endAll();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await instances.disposeAll();
    })();
    return stopping;
  };

  return { port, address: `${host}:${port}`, instances, stop };
}

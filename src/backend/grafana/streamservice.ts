import * as grpc from '@grpc/grpc-js';
import { dataSourceLogFields } from './convert';
import { QueryError, toErrorReport } from './errors';
import type { Logger } from './logger';
import { pluginMetrics } from './prometheus';
import type { WirePluginContext, WireStreamPacket, WireStreamRequest, WireStreamStatusResponse } from './protocol';
import { StreamSender, type StreamRequest } from './stream';
import type { DataSourceInstance, RequestContext } from './types';

interface StreamServiceDeps {
  logger: Logger;
  instanceFor(pluginContext: WirePluginContext | null): Promise<DataSourceInstance>;
  requestContext(
    pluginContext: WirePluginContext | null,
    headers: Record<string, string>,
    signal: AbortSignal,
    logger: Logger
  ): RequestContext;
  secretsOf(pluginContext: WirePluginContext | null): string[];
}

/** Why a RunStream ended from our side: Grafana runs it again on UNAVAILABLE. */
class StreamShutdown extends Error {
  constructor() {
    super('plugin shutting down');
  }
}

function streamRequestFrom(request: WireStreamRequest): StreamRequest {
  const text = request.data?.toString('utf8').trim() ?? '';
  let data: unknown;
  if (text !== '') {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new QueryError(`stream data is not valid JSON: ${(error as Error).message}`, { status: 400 });
    }
  }
  return { path: request.path, data, headers: request.headers ?? {} };
}

/**
 * `pluginv2.Stream`: SubscribeStream asks the instance, PublishStream is always refused (the streams are
 * read-only), RunStream runs the instance's runStream with a signal that aborts when Grafana cancels the
 * call (the channel's last subscriber left) or the plugin shuts down (`endAll`).
 */
export function streamService(deps: StreamServiceDeps) {
  const running = new Set<AbortController>();

  const streamLogger = (request: WireStreamRequest) =>
    deps.logger.with({ ...dataSourceLogFields(request.pluginContext), path: request.path });

  const subscribeStream = (
    call: grpc.ServerUnaryCall<WireStreamRequest, WireStreamStatusResponse>,
    callback: grpc.sendUnaryData<WireStreamStatusResponse>
  ) => {
    pluginMetrics.rpcCalls.inc({ method: 'SubscribeStream' });
    const request = call.request;
    const logger = streamLogger(request);
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    void (async (): Promise<WireStreamStatusResponse> => {
      try {
        const instance = await deps.instanceFor(request.pluginContext);
        if (!instance.subscribeStream || !instance.runStream) {
          return { status: 'NOT_FOUND', data: Buffer.alloc(0) };
        }
        const ctx = deps.requestContext(request.pluginContext, request.headers ?? {}, controller.signal, logger);
        const result = await instance.subscribeStream(streamRequestFrom(request), ctx);
        return { status: result.status, data: Buffer.from(result.initialData ?? new Uint8Array()) };
      } catch (error) {
        const report = toErrorReport(error, deps.secretsOf(request.pluginContext));
        logger.warn('Stream subscription refused', { error: report.message });
        return { status: 'NOT_FOUND', data: Buffer.alloc(0) };
      }
    })().then((response) => callback(null, response));
  };

  const publishStream = (
    call: grpc.ServerUnaryCall<WireStreamRequest, WireStreamStatusResponse>,
    callback: grpc.sendUnaryData<WireStreamStatusResponse>
  ) => {
    pluginMetrics.rpcCalls.inc({ method: 'PublishStream' });
    streamLogger(call.request).debug('Publish refused: streams are read-only');
    callback(null, { status: 'PERMISSION_DENIED', data: Buffer.alloc(0) });
  };

  const runStream = (call: grpc.ServerWritableStream<WireStreamRequest, WireStreamPacket>) => {
    const method = 'RunStream';
    pluginMetrics.rpcCalls.inc({ method });
    const request = call.request;
    const logger = streamLogger(request);
    const controller = new AbortController();
    running.add(controller);
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
      controller.abort(new Error('stream cancelled by Grafana'));
    });
    const sender = new StreamSender(call);
    const fail = (code: grpc.status, details: string) => {
      if (!cancelled) {
        call.emit('error', { code, details });
      }
    };
    void (async () => {
      try {
        const instance = await deps.instanceFor(request.pluginContext);
        if (!instance.runStream) {
          throw new QueryError(`no stream at ${request.path}`, { status: 404 });
        }
        const ctx = deps.requestContext(request.pluginContext, request.headers ?? {}, controller.signal, logger);
        logger.debug('Stream started');
        await instance.runStream(streamRequestFrom(request), sender, ctx);
        if (controller.signal.reason instanceof StreamShutdown) {
          fail(grpc.status.UNAVAILABLE, controller.signal.reason.message);
        } else if (!cancelled) {
          call.end();
        }
        logger.debug('Stream ended', { cancelled, dropped: sender.dropped });
      } catch (error) {
        pluginMetrics.rpcErrors.inc({ method });
        const report = toErrorReport(error, deps.secretsOf(request.pluginContext));
        logger.warn('Stream failed', { error: report.message });
        fail(report.status === 404 ? grpc.status.NOT_FOUND : grpc.status.INTERNAL, report.message);
      } finally {
        sender.close();
        running.delete(controller);
      }
    })();
  };

  return {
    handlers: { SubscribeStream: subscribeStream, PublishStream: publishStream, RunStream: runStream },
    /** Aborts every running stream (Shutdown); each ends with UNAVAILABLE once its runStream returns. */
    endAll(): void {
      for (const controller of running) {
        controller.abort(new StreamShutdown());
      }
    },
  };
}

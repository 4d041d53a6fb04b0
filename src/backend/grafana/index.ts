export * from './types';
export * from './frames';
export { frameToJSON, type FrameInclude } from './framejson';
export {
  StreamSender,
  DEFAULT_MAX_QUEUED_PACKETS,
  type PacketWriter,
  type StreamRequest,
  type StreamSenderOptions,
  type StreamStatus,
  type SubscribeStreamResult,
} from './stream';
export { QueryError, toErrorReport, type ErrorSource, type QueryErrorOptions } from './errors';
export { createLogger, hclogTimestamp, type Logger, type LogFields, type LogLevel } from './logger';
export {
  metrics,
  pluginMetrics,
  MetricsRegistry,
  Counter,
  Histogram,
  SampledMetric,
  SampledHistogram,
  type HistogramSample,
  type Labels,
  type Sample,
} from './prometheus';
export { InstanceManager, dataSourceKey } from './instances';
export { QueryTypeMux, type QueryTypeContext, type QueryTypeHandler, type TypedQuery } from './querytypemux';
export { startServer, type PluginServer, type ServeOptions } from './server';
export { runPlugin, handshakeProblem, handshakeLine } from './plugin';

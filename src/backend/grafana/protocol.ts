import { fromJSON, type PackageDefinition, type Options } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { CONTROLLER_PROTO, HEALTH_PROTO, PLUGIN_PROTO } from './proto';

/** How messages map to JS objects, shared by the server and test clients. */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number, // int64 fields are epoch milliseconds or counts, all well inside 2^53
  enums: String,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
};

let cached: PackageDefinition | undefined;

/** The gRPC package definition of every service this SDK serves, parsed from the embedded proto text. */
export function pluginPackageDefinition(): PackageDefinition {
  if (!cached) {
    const root = new protobuf.Root();
    for (const text of [PLUGIN_PROTO, CONTROLLER_PROTO, HEALTH_PROTO]) {
      protobuf.parse(text, root, { keepCase: true });
    }
    cached = fromJSON(root.toJSON(), PROTO_LOADER_OPTIONS);
  }
  return cached;
}

export type ServiceName =
  | 'pluginv2.Data'
  | 'pluginv2.Diagnostics'
  | 'pluginv2.Resource'
  | 'pluginv2.Stream'
  | 'grpc.health.v1.Health'
  | 'plugin.GRPCController';

export function serviceDefinition(name: ServiceName): ServiceDefinition {
  return pluginPackageDefinition()[name] as ServiceDefinition;
}

// Wire shapes as produced by PROTO_LOADER_OPTIONS (defaults on, so scalars are always present).

export interface WireUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface WireDataSourceInstanceSettings {
  id: number;
  name: string;
  url: string;
  uid: string;
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
  apiVersion: string;
}

export interface WirePluginContext {
  orgId: number;
  pluginId: string;
  user: WireUser | null;
  dataSourceInstanceSettings: WireDataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
}

export interface WireDataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: { fromEpochMS: number; toEpochMS: number } | null;
  json: Buffer;
  queryType: string;
}

export interface WireQueryDataRequest {
  pluginContext: WirePluginContext | null;
  headers: Record<string, string>;
  queries: WireDataQuery[];
}

export interface WireDataResponse {
  frames: Buffer[];
  error: string;
  status: number;
  errorSource: string;
}

export interface WireQueryDataResponse {
  responses: Record<string, WireDataResponse>;
}

export interface WireCheckHealthRequest {
  pluginContext: WirePluginContext | null;
  headers: Record<string, string>;
}

export interface WireCheckHealthResponse {
  status: 'UNKNOWN' | 'OK' | 'ERROR';
  message: string;
  jsonDetails: Buffer;
}

export interface WireCallResourceRequest {
  pluginContext: WirePluginContext | null;
  path: string;
  method: string;
  url: string;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface WireCallResourceResponse {
  code: number;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface WireCollectMetricsResponse {
  metrics: { prometheus: Buffer };
}

/** SubscribeStreamRequest, PublishStreamRequest and RunStreamRequest share this shape. */
export interface WireStreamRequest {
  pluginContext: WirePluginContext | null;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export interface WireStreamStatusResponse {
  status: 'OK' | 'NOT_FOUND' | 'PERMISSION_DENIED';
  data: Buffer;
}

export interface WireStreamPacket {
  data: Buffer;
}

export * from './errors';
export * from './rpc';
export * from './blocks';
export * from './getlogs';
export * from './logindex';
export * from './singleflight';
export * from './quantity';
export * from './search';

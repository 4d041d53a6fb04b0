/** The query model shared by the editor, the backend and the tests. */
export * from './types';
export * from './settings';
export * from './catalog';
export * from './defaults';
export * from './migrate';
export * from './validate';
export * from './abi-lookup';
export * from './variant-abis';
export * from './call-arguments';
export * from './errors';

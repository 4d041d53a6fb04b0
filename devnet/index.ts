// Public API of the devnet: chains, deployments file, simulator, ground-truth ledger.
export { startAnvil, anvilBinaryPath, freePort, type AnvilInstance, type AnvilOptions } from './anvil';
export {
  startDevnet,
  deployTesseract,
  writeDeploymentsFile,
  readDeploymentsFile,
  DEFAULT_CHAINS,
  DEFAULT_DEPLOYMENTS_PATH,
  type AbiVariant,
  type BuildKind,
  type ChainSpec,
  type Deployment,
  type Devnet,
  type DevnetOptions,
} from './devnet';
export { SimulationMismatchError } from './driver';
export { runSimulation, type SimulationOptions, type SimulationResult, type ExpiryMode } from './simulator';
export { DEFAULT_MIX, type TrafficMix } from './traffic';
export type { FastHistoryOptions } from './fast-history';
export {
  readLedger,
  summarizeLedger,
  type LedgerEntry,
  type LedgerSummary,
  type LedgerSummaryOptions,
  type ResolutionTime,
} from './ledger';
export { TxState, COORDINATION_WINDOW_SECONDS, type ExpectedEvent } from './model';
export { rollupAddress, ROLLUP_NAMES } from './rollups';
export { JsonRpc, RpcError, toHex } from './rpc';
export { sendAndWait } from './chain';

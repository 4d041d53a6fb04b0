/**
 * Data source settings: the list of Tesseract deployments one data source watches.
 * jsonData holds everything but the RPC URLs, which carry provider API keys and so live in
 * secureJsonData under `rpcUrlsKey(deployment.id)` as a newline-separated list (primary first).
 */

export type AbiVariant = 'simple' | 'buffer' | 'custom';

export const ABI_VARIANTS: ReadonlyArray<{ value: AbiVariant; label: string; description: string }> = [
  {
    value: 'simple',
    label: 'TesseractSimple',
    description: 'Buffered / Ready / Failed events, 4 states, no pause (also the published Vyper build)',
  },
  {
    value: 'buffer',
    label: 'TesseractBuffer',
    description: 'Richer events, 7 states, paused() and circuit_breaker_active()',
  },
  { value: 'custom', label: 'Custom ABI', description: 'Paste the ABI JSON of your deployed contract' },
];

export interface DeploymentSettings {
  /** Stable id: keys the secure RPC URLs, so renaming or reordering keeps the secrets attached. */
  id: string;
  /** Shown as the `chain` label on every frame; name it after the rollup, e.g. `optimism`. */
  name: string;
  chainId: number;
  /** Checksummed contract address. */
  contract: string;
  abi: AbiVariant;
  /** ABI JSON text, only for `abi: 'custom'`. */
  customAbi?: string;
  /** First block to index (the deploy block); earlier blocks hold no events of this contract. */
  startBlock: number;
  /** Blocks behind head that can still reorg; re-checked by hash on every refresh. */
  confirmations: number;
  /** Largest block span per eth_getLogs call; ranges are split further when the provider refuses. */
  maxBlockRange: number;
  /** Authorized operator used as `from` for the buffer_transaction dry run; defaults to owner(). */
  operator?: string;
}

export interface TesseractJsonData {
  deployments: DeploymentSettings[];
}

/** secureJsonData key holding a deployment's RPC URLs (newline-separated, primary first). */
export function rpcUrlsKey(deploymentId: string): string {
  return `rpcUrls.${deploymentId}`;
}

export function parseRpcUrls(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\n,]/)
    .map((url) => url.trim())
    .filter((url) => url.length > 0);
}

export const DEPLOYMENT_DEFAULTS: Omit<DeploymentSettings, 'id' | 'name' | 'chainId' | 'contract'> = {
  abi: 'simple',
  startBlock: 0,
  confirmations: 5,
  maxBlockRange: 10000,
};

export function newDeployment(id: string): DeploymentSettings {
  return { id, name: '', chainId: 1, contract: '', ...DEPLOYMENT_DEFAULTS };
}

/**
 * A deployment as saved or provisioned, with every documented default filled in where the field is
 * missing (undefined or null): ABI Simple, start block 0, 5 confirmations, max block range 10000, and
 * the name as id (a provisioning file keys `rpcUrls.<name>` then). No operator means owner().
 * Values that are present are kept as they are, for validateDeployment to judge.
 */
export function withDeploymentDefaults(raw: Partial<DeploymentSettings>): DeploymentSettings {
  const filled: Record<string, unknown> = { ...raw };
  const defaults: Record<string, unknown> = { ...DEPLOYMENT_DEFAULTS, id: raw.name };
  for (const [key, value] of Object.entries(defaults)) {
    if (filled[key] === undefined || filled[key] === null) {
      filled[key] = value;
    }
  }
  return filled as unknown as DeploymentSettings;
}

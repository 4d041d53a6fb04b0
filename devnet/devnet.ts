// Starts anvil chains named like rollups, deploys Tesseract on each and authorizes an operator.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getAddress, Interface, id } from 'ethers';
import { compileContracts, loadVyperSimpleBuild, type ContractBuild } from '../contracts/compile';
import { startAnvil, type AnvilInstance } from './anvil';
import { ANVIL_ACCOUNTS, sendAndWait } from './chain';
import { JsonRpc } from './rpc';

/** Which event/function layout a deployment speaks. The Vyper build uses the 'simple' ABI. */
export type AbiVariant = 'simple' | 'buffer';
export type BuildKind = 'solidity' | 'vyper';

export interface Deployment {
  name: string;
  chainId: number;
  rpcUrl: string;
  /** Checksummed contract address. */
  contract: string;
  abi: AbiVariant;
  build: BuildKind;
  deployBlock: number;
  owner: string;
  operator: string;
  /** Seconds per block when the chain mines on an interval; absent: one block per transaction. */
  blockTime?: number;
}

export interface ChainSpec {
  name: string;
  chainId: number;
  abi: AbiVariant;
  build: BuildKind;
  /** Fixed RPC port; default: portBase + index, or a free port. */
  port?: number;
}

export const DEFAULT_CHAINS: readonly ChainSpec[] = [
  { name: 'optimism', chainId: 31010, abi: 'simple', build: 'solidity' },
  { name: 'arbitrum', chainId: 31020, abi: 'buffer', build: 'solidity' },
  { name: 'base', chainId: 31030, abi: 'simple', build: 'vyper' },
];

export interface DevnetOptions {
  chains?: readonly ChainSpec[];
  /** Listen address for every anvil (default 127.0.0.1; 0.0.0.0 in containers). */
  host?: string;
  /** Chain i listens on portBase + i unless its spec names a port. Default: free ports. */
  portBase?: number;
  /** Interval mining in seconds; default automine. */
  blockTime?: number;
  /** Backdate the chains' clocks (genesis timestamp, unix seconds), e.g. to write history up to now. */
  genesisTimestamp?: number;
}

export interface DevnetChain {
  spec: ChainSpec;
  anvil: AnvilInstance;
}

export interface Devnet {
  deployments: Deployment[];
  chains: DevnetChain[];
  stop(): Promise<void>;
}

export const DEFAULT_DEPLOYMENTS_PATH = path.join(__dirname, '.state', 'deployments.json');

const OWNER = ANVIL_ACCOUNTS[0];
const OPERATOR = ANVIL_ACCOUNTS[1];
const DEPLOY_GAS = 6_000_000;
const ADMIN_GAS = 200_000;
const BUFFER_ROLE = id('BUFFER_ROLE');
const RESOLVE_ROLE = id('RESOLVE_ROLE');

export function buildFor(abi: AbiVariant, build: BuildKind): ContractBuild {
  if (build === 'vyper') {
    if (abi !== 'simple') {
      throw new Error('only TesseractSimple has a Vyper build');
    }
    return loadVyperSimpleBuild();
  }
  const builds = compileContracts();
  return abi === 'simple' ? builds.TesseractSimple : builds.TesseractBuffer;
}

/** Deploys one Tesseract contract from the owner account and authorizes the operator. */
export async function deployTesseract(
  spec: Pick<ChainSpec, 'name' | 'chainId' | 'abi' | 'build'>,
  rpcUrl: string
): Promise<Deployment> {
  const rpc = new JsonRpc(rpcUrl);
  const build = buildFor(spec.abi, spec.build);
  const receipt = await sendAndWait(rpc, { from: OWNER, data: build.bytecode, gas: DEPLOY_GAS });
  if (receipt.status !== '0x1' || !receipt.contractAddress) {
    throw new Error(`deploying ${build.contractName} on ${spec.name} failed (tx ${receipt.transactionHash})`);
  }
  const contract = getAddress(receipt.contractAddress);
  const iface = new Interface(build.abi);
  const grants =
    spec.abi === 'simple'
      ? [iface.encodeFunctionData('add_operator', [OPERATOR])]
      : [
          iface.encodeFunctionData('grant_role', [BUFFER_ROLE, OPERATOR]),
          iface.encodeFunctionData('grant_role', [RESOLVE_ROLE, OPERATOR]),
        ];
  for (const data of grants) {
    const grant = await sendAndWait(rpc, { from: OWNER, to: contract, data, gas: ADMIN_GAS });
    if (grant.status !== '0x1') {
      throw new Error(`authorizing the operator on ${spec.name} failed (tx ${grant.transactionHash})`);
    }
  }
  return {
    name: spec.name,
    chainId: spec.chainId,
    rpcUrl,
    contract,
    abi: spec.abi,
    build: spec.build,
    deployBlock: Number(receipt.blockNumber),
    owner: getAddress(OWNER),
    operator: getAddress(OPERATOR),
  };
}

export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const specs = options.chains ?? DEFAULT_CHAINS;
  const chains: DevnetChain[] = [];
  const stop = async () => {
    await Promise.all(chains.map((chain) => chain.anvil.stop()));
  };
  try {
    for (const [index, spec] of specs.entries()) {
      const port = spec.port ?? (options.portBase !== undefined ? options.portBase + index : undefined);
      const anvil = await startAnvil({
        chainId: spec.chainId,
        port,
        host: options.host,
        blockTime: options.blockTime,
        genesisTimestamp: options.genesisTimestamp,
      });
      chains.push({ spec, anvil });
    }
    const deployments = await Promise.all(
      chains.map(async (chain) => {
        const deployment = await deployTesseract(chain.spec, chain.anvil.rpcUrl);
        return options.blockTime === undefined ? deployment : { ...deployment, blockTime: options.blockTime };
      })
    );
    return { deployments, chains, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function writeDeploymentsFile(filePath: string, deployments: readonly Deployment[]): void {
  mkdirSync(path.dirname(filePath), { recursive: true });
  writeFileSync(filePath, `${JSON.stringify({ deployments }, null, 2)}\n`);
}

export function readDeploymentsFile(filePath: string = DEFAULT_DEPLOYMENTS_PATH): Deployment[] {
  const parsed = JSON.parse(readFileSync(filePath, 'utf8')) as { deployments?: unknown };
  if (!Array.isArray(parsed.deployments)) {
    throw new Error(`${filePath}: expected {"deployments": [...]}`);
  }
  return parsed.deployments.map((entry, index) => validateDeployment(entry, `${filePath} deployments[${index}]`));
}

function validateDeployment(value: unknown, where: string): Deployment {
  const entry = value as Partial<Deployment> | null;
  const fail = (what: string): never => {
    throw new Error(`${where}: ${what}`);
  };
  if (!entry || typeof entry !== 'object') {
    return fail('not an object');
  }
  for (const key of ['name', 'rpcUrl', 'contract', 'owner', 'operator'] as const) {
    if (typeof entry[key] !== 'string' || entry[key] === '') {
      fail(`${key} must be a non-empty string`);
    }
  }
  for (const key of ['chainId', 'deployBlock'] as const) {
    if (!Number.isInteger(entry[key])) {
      fail(`${key} must be an integer`);
    }
  }
  if (entry.abi !== 'simple' && entry.abi !== 'buffer') {
    fail(`abi must be "simple" or "buffer"`);
  }
  if (entry.blockTime !== undefined && !(typeof entry.blockTime === 'number' && entry.blockTime > 0)) {
    fail('blockTime must be a positive number when present');
  }
  if (entry.build !== 'solidity' && entry.build !== 'vyper') {
    fail(`build must be "solidity" or "vyper"`);
  }
  return entry as Deployment;
}

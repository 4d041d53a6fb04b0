// Compiles the Solidity ports with the solc-js bundled in npm `solc` (no download) and loads the
// published Vyper build of TesseractSimple.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import solc from 'solc';
import type { InterfaceAbi } from 'ethers';

export interface ContractBuild {
  contractName: string;
  abi: InterfaceAbi;
  /** 0x-prefixed creation bytecode. */
  bytecode: string;
}

export type SolidityContractName = 'TesseractSimple' | 'TesseractBuffer';

const CONTRACTS_DIR = __dirname;
const SOLIDITY_SOURCES: SolidityContractName[] = ['TesseractSimple', 'TesseractBuffer'];

interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage: string }>;
  contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
}

let compiled: Record<SolidityContractName, ContractBuild> | undefined;

/** Compiles both ports once per process (~0.5 s) and caches the result. */
export function compileContracts(): Record<SolidityContractName, ContractBuild> {
  if (compiled) {
    return compiled;
  }
  const sources = Object.fromEntries(
    SOLIDITY_SOURCES.map((name) => [
      `${name}.sol`,
      { content: readFileSync(path.join(CONTRACTS_DIR, `${name}.sol`), 'utf8') },
    ])
  );
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output: SolcOutput = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc ${solc.version()} failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const builds = {} as Record<SolidityContractName, ContractBuild>;
  for (const name of SOLIDITY_SOURCES) {
    const artifact = output.contracts[`${name}.sol`][name];
    builds[name] = { contractName: name, abi: artifact.abi, bytecode: `0x${artifact.evm.bytecode.object}` };
  }
  compiled = builds;
  return builds;
}

/** The published Vyper 0.3.10 build of TesseractSimple (cryptuon/tesseract artifacts/TesseractSimple.json). */
export function loadVyperSimpleBuild(): ContractBuild & { compiler: string; version: string } {
  const raw = JSON.parse(readFileSync(path.join(CONTRACTS_DIR, 'TesseractSimple.vyper.json'), 'utf8'));
  const bytecode: string = raw.bytecode.startsWith('0x') ? raw.bytecode : `0x${raw.bytecode}`;
  return { contractName: raw.contractName, abi: raw.abi, bytecode, compiler: raw.compiler, version: raw.version };
}

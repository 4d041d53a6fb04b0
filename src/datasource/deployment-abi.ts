import { abiForVariant, eventNames, type AbiItem, type DeploymentSettings } from '../query';

export interface DeploymentAbi {
  /** The deployment whose ABI is used, if any is configured. */
  deployment?: DeploymentSettings;
  abi: readonly AbiItem[];
  error?: string;
}

/**
 * The ABI a query's function and arguments are typed by: that of the first selected deployment
 * (the first configured one when none is selected or the selection is a variable).
 */
export function abiOfSelection(deployments: DeploymentSettings[], selected: string[]): DeploymentAbi {
  const deployment = deployments.find((candidate) => selected.includes(candidate.name)) ?? deployments[0];
  if (!deployment) {
    return { abi: [], error: 'No deployment is configured: add one in the data source settings' };
  }
  const result = abiForVariant(deployment.abi, deployment.customAbi);
  return result.ok
    ? { deployment, abi: result.abi }
    : { deployment, abi: [], error: `ABI of ${deployment.name}: ${result.error}` };
}

/** Event names of every configured deployment's ABI, without repeats. */
export function eventNamesOf(deployments: DeploymentSettings[]): string[] {
  const names = deployments.flatMap((deployment) => {
    const result = abiForVariant(deployment.abi, deployment.customAbi);
    return result.ok ? eventNames(result.abi) : [];
  });
  return [...new Set(names)];
}

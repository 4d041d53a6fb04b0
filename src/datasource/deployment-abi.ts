import {
  abiForVariant,
  eventNames,
  findFunction,
  hasTemplateVariable,
  parseArgument,
  viewFunctions,
  type AbiItem,
  type CallQuery,
  type DeploymentSettings,
} from '../query';

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

export { viewFunctions };

/**
 * What is wrong with a call query's function and arguments for the ABI: one message per problem,
 * indexed by argument position where it concerns an argument. Template variables are checked by
 * the backend once interpolated.
 */
export function callErrors(
  query: CallQuery,
  abi: readonly AbiItem[]
): { function?: string; args: Array<string | undefined> } {
  const fn = findFunction(abi, query.functionName);
  if (!fn || !viewFunctions(abi).includes(fn)) {
    return { function: `"${query.functionName}" is not a view function of this ABI`, args: [] };
  }
  const args = (fn.inputs ?? []).map((param, index) => {
    const text = query.args[index] ?? '';
    if (hasTemplateVariable(text)) {
      return undefined;
    }
    if (text.trim() === '') {
      return `${param.name || `argument ${index + 1}`} (${param.type}) is required`;
    }
    const parsed = parseArgument(param, text);
    return parsed.ok ? undefined : parsed.error;
  });
  return { args };
}

export function hasCallErrors(errors: ReturnType<typeof callErrors>): boolean {
  return errors.function !== undefined || errors.args.some((error) => error !== undefined);
}

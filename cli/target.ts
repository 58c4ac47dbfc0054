import {
  type CloudFormationClient,
  paginateListStackResources,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { OperatorCommandName, TargetOptions } from './arguments.js';
import { UsageError } from './arguments.js';

// Where the operator commands find ws-channels in a stack: the suspend and resume functions (from
// a CloudFormation stack's resources, or named), and the tables from a function's environment
// (CONNECTIONS_TABLE, RUNS_TABLE, SUSPENDED_INDEX), unless they are named too.

export interface Target {
  /** What the output calls it: the stack, the function, or the tables. */
  label: string;
  suspendFunction?: string;
  resumeFunction?: string;
  connectionsTable?: string;
  runsTable?: string;
  suspendedIndex: string;
}

/** What a command needs of the target: status the tables, a run its function and the Runs table. */
export function checkTarget(command: OperatorCommandName, target: Target, dryRun: boolean): void {
  const missing: string[] = [];
  if (command === 'status') {
    if (!target.connectionsTable) missing.push('the Connections table (--connections-table)');
    if (!target.runsTable) missing.push('the Runs table (--runs-table)');
  } else {
    if (!target[`${command}Function`])
      missing.push(`the ${command} function (--${command}-function)`);
    // A dry run answers at once; a run is followed through its record.
    if (!dryRun && !target.runsTable) missing.push('the Runs table (--runs-table)');
  }
  if (missing.length > 0) {
    throw new UsageError(
      `ws-channels ${command} does not know ${missing.join(' or ')}; expected --stack NAME, --function NAME, or each named.`,
    );
  }
}

/** The target the options name, looked up in CloudFormation and Lambda where they say so. */
export async function resolveTarget(
  command: OperatorCommandName,
  options: TargetOptions,
  clients: { lambda: LambdaClient; cloudformation: () => CloudFormationClient },
): Promise<Target> {
  const target: Target = {
    label: options.stack ?? options.function ?? options.runsTable ?? 'ws-channels',
    suspendedIndex: 'suspended',
  };
  if (options.stack) {
    Object.assign(target, await functionsOfStack(clients.cloudformation(), options.stack));
  }
  if (options.function) {
    if (command === 'suspend' || command === 'resume')
      target[`${command}Function`] = options.function;
  }
  if (options.suspendFunction) target.suspendFunction = options.suspendFunction;
  if (options.resumeFunction) target.resumeFunction = options.resumeFunction;
  const tablesNamed = options.connectionsTable !== undefined && options.runsTable !== undefined;
  const readFrom = options.function ?? target.resumeFunction ?? target.suspendFunction;
  if (!tablesNamed && readFrom) {
    Object.assign(target, await tablesOfFunction(clients.lambda, readFrom));
  }
  if (options.connectionsTable) target.connectionsTable = options.connectionsTable;
  if (options.runsTable) target.runsTable = options.runsTable;
  if (options.suspendedIndex) target.suspendedIndex = options.suspendedIndex;
  if (!options.stack && !options.function) target.label = labelOf(target);
  return target;
}

/** Named parts: what their names share (`chat-prod` of chat-prod-connections and chat-prod-runs). */
function labelOf(target: Target): string {
  const [first = '', second = ''] = [target.connectionsTable, target.runsTable];
  let shared = 0;
  while (shared < first.length && first[shared] === second[shared]) shared++;
  return first.slice(0, shared).replace(/[-_.]+$/, '') || target.label;
}

/** The suspend and resume functions of a stack, by their logical ids (WsChannelsSuspend...). */
async function functionsOfStack(
  cloudformation: CloudFormationClient,
  stackName: string,
): Promise<Pick<Target, 'suspendFunction' | 'resumeFunction'>> {
  const functions: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources(
    { client: cloudformation },
    { StackName: stackName },
  )) {
    for (const resource of page.StackResourceSummaries ?? []) {
      if (resource.ResourceType === 'AWS::Lambda::Function') functions.push(resource);
    }
  }
  return {
    suspendFunction: pickFunction(functions, 'suspend', stackName),
    resumeFunction: pickFunction(functions, 'resume', stackName),
  };
}

function pickFunction(
  functions: readonly StackResourceSummary[],
  kind: 'suspend' | 'resume',
  stackName: string,
): string {
  const named = (pattern: RegExp) =>
    functions.filter((resource) => pattern.test(resource.LogicalResourceId ?? ''));
  let candidates = named(new RegExp(kind, 'i'));
  // The plugin's are WsChannelsSuspendLambdaFunction and WsChannelsResumeLambdaFunction; an app
  // may have a function of its own with the word in its name.
  if (candidates.length > 1) candidates = named(new RegExp(`WsChannels.*${kind}`, 'i'));
  const [only] = candidates;
  if (candidates.length !== 1 || !only?.PhysicalResourceId) {
    const seen = functions.map((resource) => resource.LogicalResourceId).join(', ') || 'none';
    throw new UsageError(
      `Stack ${stackName} has ${candidates.length === 0 ? 'no' : 'more than one'} ${kind} function of ws-channels (its functions: ${seen}); expected one, or name it with --${kind}-function.`,
    );
  }
  return only.PhysicalResourceId;
}

/** The tables a suspend or resume function is configured with. */
async function tablesOfFunction(
  lambda: LambdaClient,
  functionName: string,
): Promise<Pick<Target, 'connectionsTable' | 'runsTable' | 'suspendedIndex'>> {
  const configuration = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: functionName }),
  );
  const variables = configuration.Environment?.Variables ?? {};
  if (!variables.CONNECTIONS_TABLE || !variables.RUNS_TABLE) {
    throw new UsageError(
      `Function ${functionName} has no CONNECTIONS_TABLE and RUNS_TABLE in its environment; expected a ws-channels suspend or resume function, or --connections-table and --runs-table.`,
    );
  }
  return {
    connectionsTable: variables.CONNECTIONS_TABLE,
    runsTable: variables.RUNS_TABLE,
    suspendedIndex: variables.SUSPENDED_INDEX ?? 'suspended',
  };
}

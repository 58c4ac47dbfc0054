import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBDeploymentWindow } from '../functions/aws/deployment-window.js';
import { countSuspended, DynamoDBRunHistory } from '../functions/aws/run-history.js';
import { leaseId } from '../functions/aws/run-table.js';
import { systemClock } from '../functions/core/ports.js';
import { defaultRunId } from '../functions/core/run/state.js';
import { type OperatorOptions, parseOperatorArguments, UsageError, usage } from './arguments.js';
import { invokeAndFollow } from './follow.js';
import type { OperatorIO } from './io.js';
import { type StatusReport, statusText } from './render.js';
import { checkTarget, resolveTarget, type Target } from './target.js';

// The operator commands, `ws-channels status|suspend|resume`: one composition root for the bin,
// the Serverless plugin's `osls ws-channels ...` and the local stack's npm scripts. Exit codes:
// 0 done, 1 the run or an AWS call failed, 2 the arguments are wrong.

/** Reads the arguments and runs the command; answers the exit code. */
export async function runOperatorCommand(argv: readonly string[], io: OperatorIO): Promise<number> {
  let options: OperatorOptions | 'help';
  try {
    options = parseOperatorArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`ws-channels: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === 'help') {
    io.out(usage);
    return 0;
  }
  return runOperator(options, io);
}

/** Runs one command with options already read (the plugin fills them from the service). */
export async function runOperator(
  options: OperatorOptions,
  io: OperatorIO,
  dependencies: { startTimeoutMs?: number } = {},
): Promise<number> {
  const region = options.region ? { region: options.region } : {};
  const lambda = new LambdaClient({
    ...region,
    // A dry run answers synchronously; a console run may count for a while.
    requestHandler: { requestTimeout: 15 * 60_000 },
  });
  const dynamodb = new DynamoDBClient(region);
  let cloudformation: CloudFormationClient | undefined;
  try {
    const target = await resolveTarget(options.command, options, {
      lambda,
      cloudformation: () => {
        cloudformation ??= new CloudFormationClient(region);
        return cloudformation;
      },
    });
    checkTarget(options.command, target, options.dryRun);
    if (options.command === 'status') return await status(options, target, dynamodb, io);
    const history = new DynamoDBRunHistory({
      client: dynamodb,
      tableName: target.runsTable ?? '',
      clock: systemClock,
    });
    const functionName = target[`${options.command}Function`] ?? '';
    return await invokeAndFollow(options.command, functionName, options, io, {
      lambda,
      readRecord: (runId) => history.read(runId),
      newRunId: defaultRunId,
      ...dependencies,
    });
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`ws-channels: ${error.message}`);
      return 2;
    }
    io.err(`ws-channels ${options.command}: ${describeError(error, io.env)}`);
    return 1;
  } finally {
    lambda.destroy();
    dynamodb.destroy();
    cloudformation?.destroy();
  }
}

async function status(
  options: OperatorOptions,
  target: Target,
  client: DynamoDBClient,
  io: OperatorIO,
): Promise<number> {
  const runsTable = target.runsTable ?? '';
  const connectionsTable = target.connectionsTable ?? '';
  const table = { client, tableName: runsTable, clock: systemClock };
  const history = new DynamoDBRunHistory(table);
  const [window, suspended, lease, runs] = await Promise.all([
    new DynamoDBDeploymentWindow(table).read(),
    countSuspended({ client, tableName: connectionsTable, indexName: target.suspendedIndex }),
    history.read(leaseId),
    history.latest(options.runs),
  ]);
  const report: StatusReport = {
    target: { label: target.label, connectionsTable, runsTable },
    window,
    suspended,
    lease:
      lease && typeof lease.holder === 'string'
        ? {
            holder: lease.holder,
            kind: String(lease.kind ?? ''),
            leaseUntil: Number(lease.leaseUntil),
          }
        : undefined,
    runs,
  };
  const now = io.now();
  if (options.json) {
    const windowOpen = window !== undefined && window.openUntil > now;
    io.out(JSON.stringify({ ...report, window: window ? { ...window, open: windowOpen } : null }));
  } else {
    io.out(statusText(report, now, io.style));
  }
  return 0;
}

/** An AWS error as an operator reads it: its name and message, and where the SDK could not go. */
function describeError(error: unknown, env: OperatorIO['env']): string {
  if (!(error instanceof Error)) return String(error);
  const { code, cause } = error as { code?: unknown; cause?: { code?: unknown } };
  if (code === 'ECONNREFUSED' || cause?.code === 'ECONNREFUSED') {
    const endpoints = ['LAMBDA', 'DYNAMODB']
      .map((service) => env[`AWS_ENDPOINT_URL_${service}`])
      .filter(Boolean);
    return `nothing answers on ${endpoints.join(' or ') || "the service's endpoint"}${endpoints.length ? ': start the local stack first (npm start)' : ''}.`;
  }
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}

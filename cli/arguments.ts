import { parseArgs } from 'node:util';
import { maxConcurrency, maxConnectionIds } from '../functions/core/invocation/parse.js';

// The operator commands' arguments, read once: `ws-channels status|suspend|resume [options]`.
// Each problem is an UsageError that names the argument, what it was and what is expected.

export const operatorCommands = ['status', 'suspend', 'resume'] as const;
export type OperatorCommandName = (typeof operatorCommands)[number];

/** Where the stack's functions and tables are: found from a stack or a function, or named. */
export interface TargetOptions {
  stack?: string;
  function?: string;
  suspendFunction?: string;
  resumeFunction?: string;
  connectionsTable?: string;
  runsTable?: string;
  suspendedIndex?: string;
  region?: string;
}

export interface OperatorOptions extends TargetOptions {
  command: OperatorCommandName;
  dryRun: boolean;
  connectionIds: string[];
  timeoutMs?: number;
  concurrency?: number;
  json: boolean;
  /** status: how many of the last runs to show. */
  runs: number;
  /** How often a followed run's record is read, in milliseconds. */
  pollMs: number;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const usage = `Usage: ws-channels <status|suspend|resume> [options]

  status    the deployment window, the suspended connections, the last runs
  suspend   suspend every active connection (invokes the suspend function), and follow the run
  resume    resume every suspended connection (invokes the resume function), and follow the run

Where the stack is (one of):
  --stack NAME               a CloudFormation stack with ws-channels (osls: {service}-{stage})
  --function NAME            the function to invoke (suspend or resume); status reads its tables
  --suspend-function NAME, --resume-function NAME, --connections-table NAME, --runs-table NAME,
  --suspended-index NAME     name each part (the tables override what a stack or function says)
  --region REGION            the AWS region (default: the SDK's, e.g. AWS_REGION)

Runs:
  --dry-run                  count what would be done; post nothing, write nothing
  --connection-id ID         only this connection (repeatable)
  --timeout-ms N             this run's post timeout (10 to 60000)
  --concurrency N            this run's concurrency (1 to ${maxConcurrency})
Output:
  --json                     JSON lines (progress) and a final JSON object, for scripts
  --runs N                   status: how many of the last runs to show (default 5)
  --poll-ms N                how often a run's record is read while it runs (default 1000)

Local endpoints come from the SDK's variables: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL_DYNAMODB.`;

const names = {
  stack: 'stack',
  function: 'function',
  suspendFunction: 'suspend-function',
  resumeFunction: 'resume-function',
  connectionsTable: 'connections-table',
  runsTable: 'runs-table',
  suspendedIndex: 'suspended-index',
  region: 'region',
} as const satisfies Record<keyof TargetOptions, string>;

const stringOption = { type: 'string' } as const;

/** Reads `ws-channels <command> [options]`; throws UsageError naming what is wrong. */
export function parseOperatorArguments(argv: readonly string[]): OperatorOptions | 'help' {
  let parsed: ReturnType<typeof parseAll>;
  try {
    parsed = parseAll(argv);
  } catch (error) {
    // node:util's messages name the option ("Unknown option '--stak'"); ours add what is known.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message.replace(/\. To specify a positional.*$/s, '')}.`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, ...extra] = positionals;
  if (!isCommand(command)) {
    throw new UsageError(
      `${command === undefined ? 'No command' : `Unknown command ${JSON.stringify(command)}`}; expected one of ${operatorCommands.join(', ')}.`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(
      `Unexpected argument ${JSON.stringify(extra[0])} after ${command}; options start with --.`,
    );
  }
  if (values.stack !== undefined && values.function !== undefined) {
    throw new UsageError(
      '--stack and --function both given; expected one of them (a stack, or the function to invoke).',
    );
  }
  const runOnly = ['dry-run', 'connection-id', 'timeout-ms', 'concurrency'] as const;
  if (command === 'status') {
    const given = runOnly.find((name) => values[name] !== undefined);
    if (given) throw new UsageError(`--${given} is for suspend and resume, not status.`);
  } else if (values.runs !== undefined) {
    throw new UsageError(`--runs is for status, not ${command}.`);
  }
  const options: OperatorOptions = {
    command,
    dryRun: values['dry-run'] ?? false,
    connectionIds: connectionIdsOf(values['connection-id'] ?? []),
    json: values.json ?? false,
    runs: wholeNumber('runs', values.runs, 1, 100) ?? 5,
    pollMs: wholeNumber('poll-ms', values['poll-ms'], 100, 60_000) ?? 1_000,
  };
  const timeoutMs = wholeNumber('timeout-ms', values['timeout-ms'], 10, 60_000);
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  const concurrency = wholeNumber('concurrency', values.concurrency, 1, maxConcurrency);
  if (concurrency !== undefined) options.concurrency = concurrency;
  for (const [key, name] of Object.entries(names) as [keyof TargetOptions, string][]) {
    const value = values[name as keyof typeof values];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new UsageError(`--${name} is empty; expected a name.`);
    }
    options[key] = value;
  }
  return options;
}

function parseAll(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      stack: stringOption,
      function: stringOption,
      'suspend-function': stringOption,
      'resume-function': stringOption,
      'connections-table': stringOption,
      'runs-table': stringOption,
      'suspended-index': stringOption,
      region: stringOption,
      'dry-run': { type: 'boolean' },
      'connection-id': { type: 'string', multiple: true },
      'timeout-ms': stringOption,
      concurrency: stringOption,
      json: { type: 'boolean' },
      runs: stringOption,
      'poll-ms': stringOption,
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function isCommand(value: string | undefined): value is OperatorCommandName {
  return operatorCommands.includes(value as OperatorCommandName);
}

function wholeNumber(
  name: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(
      `--${name} is ${JSON.stringify(value)}; expected a whole number from ${min} to ${max}.`,
    );
  }
  return number;
}

function connectionIdsOf(ids: readonly string[]): string[] {
  const empty = ids.findIndex((id) => id.trim() === '');
  if (empty >= 0) {
    throw new UsageError(`--connection-id number ${empty + 1} is empty; expected a connection id.`);
  }
  if (ids.length > maxConnectionIds) {
    throw new UsageError(
      `${ids.length} --connection-id given; expected at most ${maxConnectionIds}.`,
    );
  }
  return [...ids];
}

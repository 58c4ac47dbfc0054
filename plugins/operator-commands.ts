// `osls ws-channels status|suspend|resume`: the operator commands of the `ws-channels` bin, with
// the service's own names (its functions, tables and region for the stage). The commands'
// code (cli/) is loaded only when one of them runs, so a package or deploy never loads it.

import type { Names } from './names.js';
import type { Serverless } from './serverless.js';
import type { Settings } from './settings.js';

/** An option as osls declares it: `multiple` is a repeatable string. */
export interface CommandOption {
  usage: string;
  type: 'string' | 'boolean' | 'multiple';
}

export interface PluginCommand {
  usage: string;
  lifecycleEvents?: string[];
  options?: Record<string, CommandOption>;
  commands?: Record<string, PluginCommand>;
}

const json: CommandOption = {
  usage: 'JSON lines (progress) and a final JSON object, for scripts',
  type: 'boolean',
};
const pollMs: CommandOption = {
  usage: "How often the run's record is read while it runs (ms, default 1000)",
  type: 'string',
};

const runOptions: Record<string, CommandOption> = {
  'dry-run': { usage: 'Count what would be done; post nothing, write nothing', type: 'boolean' },
  'connection-id': { usage: 'Only this connection (repeatable)', type: 'multiple' },
  'timeout-ms': { usage: "This run's post timeout (ms, 10 to 60000)", type: 'string' },
  concurrency: { usage: "This run's concurrency", type: 'string' },
  json,
  'poll-ms': pollMs,
};

export const operatorCommands: Record<string, PluginCommand> = {
  'ws-channels': {
    usage: "ws-channels' operator commands: status, suspend, resume (npx ws-channels --help)",
    commands: {
      status: {
        usage: 'The deployment window, the suspended connections and the last runs',
        lifecycleEvents: ['run'],
        options: {
          json,
          runs: { usage: 'How many of the last runs to show (default 5)', type: 'string' },
        },
      },
      suspend: {
        usage: 'Suspend every active connection, and follow the run',
        lifecycleEvents: ['run'],
        options: runOptions,
      },
      resume: {
        usage: 'Resume every suspended connection, and follow the run',
        lifecycleEvents: ['run'],
        options: runOptions,
      },
    },
  },
};

/** The service's names for the stage, as the plugin derived them. */
export interface OperatorTargetNames {
  suspendFunction: string;
  resumeFunction: string;
  connectionsTable: string;
  runsTable: string;
  suspendedIndex: string;
  region: string;
}

/**
 * The bin's arguments for a command run through osls: the service's names first, then the
 * options osls read (the bin checks them as it checks its own).
 */
export function operatorArguments(
  command: 'status' | 'suspend' | 'resume',
  names: OperatorTargetNames,
  options: Readonly<Record<string, unknown>>,
): string[] {
  const argv = [
    command,
    '--suspend-function',
    names.suspendFunction,
    '--resume-function',
    names.resumeFunction,
    '--connections-table',
    names.connectionsTable,
    '--runs-table',
    names.runsTable,
    '--suspended-index',
    names.suspendedIndex,
    '--region',
    names.region,
  ];
  const declared = operatorCommands['ws-channels']?.commands?.[command]?.options ?? {};
  for (const [name, option] of Object.entries(declared)) {
    const value = options[name];
    if (value === undefined || value === false) continue;
    if (option.type === 'boolean') argv.push(`--${name}`);
    else {
      for (const each of Array.isArray(value) ? value : [value])
        argv.push(`--${name}`, String(each));
    }
  }
  return argv;
}

/** Runs the command as the bin would; answers its exit code. */
export async function runOperatorFromPlugin(argv: readonly string[]): Promise<number> {
  const [{ runOperatorCommand }, { processIO }] = await Promise.all([
    import('../cli/main.js'),
    import('../cli/io.js'),
  ]);
  return runOperatorCommand(argv, processIO());
}

/** What the operator commands need of this service, once the plugin has configured it. */
export function operatorNamesOf(
  serverless: Serverless,
  names: Names,
  settings: Settings,
): OperatorTargetNames {
  return {
    suspendFunction: names.functions.suspend,
    resumeFunction: names.functions.resume,
    connectionsTable: settings.connectionsTable,
    runsTable: settings.runsTable,
    suspendedIndex: settings.suspendedIndex,
    region: serverless.getProvider('aws').getRegion(),
  };
}

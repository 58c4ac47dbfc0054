import { describe, expect, it } from 'vitest';
import { parseOperatorArguments, UsageError } from '../../../cli/arguments.js';
import { checkTarget } from '../../../cli/target.js';

// The operator commands' arguments: what they read, and for each mistake a message that names
// the argument, what it was and what is expected.

function usageError(argv: string[]): string {
  try {
    parseOperatorArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`Expected ${argv.join(' ')} to be refused`);
}

describe('the operator arguments', () => {
  it('reads a resume with its run options and a stack', () => {
    const options = parseOperatorArguments([
      'resume',
      '--stack',
      'chat-prod',
      '--connection-id',
      'a=',
      '--connection-id',
      'b=',
      '--timeout-ms',
      '3000',
      '--concurrency',
      '50',
      '--json',
      '--region',
      'eu-west-1',
    ]);

    expect(options).toEqual({
      command: 'resume',
      stack: 'chat-prod',
      region: 'eu-west-1',
      dryRun: false,
      connectionIds: ['a=', 'b='],
      timeoutMs: 3000,
      concurrency: 50,
      json: true,
      runs: 5,
      pollMs: 1000,
    });
  });

  it('reads a status with the tables named and how many runs to show', () => {
    expect(
      parseOperatorArguments([
        'status',
        '--connections-table',
        'c',
        '--runs-table',
        'r',
        '--runs',
        '12',
      ]),
    ).toMatchObject({ command: 'status', connectionsTable: 'c', runsTable: 'r', runs: 12 });
  });

  it('answers help for --help', () => {
    expect(parseOperatorArguments(['--help'])).toBe('help');
  });

  it.each([
    [[], 'No command; expected one of status, suspend, resume.'],
    [['restart'], 'Unknown command "restart"; expected one of status, suspend, resume.'],
    [['status', '--stak', 'x'], "Unknown option '--stak'"],
    [['resume', 'now'], 'Unexpected argument "now" after resume; options start with --.'],
    [['status', '--dry-run'], '--dry-run is for suspend and resume, not status.'],
    [['suspend', '--runs', '3'], '--runs is for status, not suspend.'],
    [
      ['resume', '--timeout-ms', '5'],
      '--timeout-ms is "5"; expected a whole number from 10 to 60000.',
    ],
    [
      ['resume', '--concurrency', 'many'],
      '--concurrency is "many"; expected a whole number from 1 to',
    ],
    [['status', '--runs', '0'], '--runs is "0"; expected a whole number from 1 to 100.'],
    [
      ['resume', '--stack', 's', '--function', 'f'],
      '--stack and --function both given; expected one of them',
    ],
    [
      ['resume', '--connection-id', ''],
      '--connection-id number 1 is empty; expected a connection id.',
    ],
    [['status', '--runs-table', ' '], '--runs-table is empty; expected a name.'],
  ])('refuses %j: %s', (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});

describe('what a command needs of its target', () => {
  it('status needs both tables, and says which option names each', () => {
    expect(() => checkTarget('status', { label: 'x', suspendedIndex: 'suspended' }, false)).toThrow(
      'ws-channels status does not know the Connections table (--connections-table) or the Runs table (--runs-table); expected --stack NAME, --function NAME, or each named.',
    );
  });

  it('a run needs its function and, to be followed, the Runs table; a dry run only the function', () => {
    const target = { label: 'x', suspendedIndex: 'suspended', resumeFunction: 'f' };

    expect(() => checkTarget('resume', target, false)).toThrow('the Runs table (--runs-table)');
    expect(() => checkTarget('resume', target, true)).not.toThrow();
    expect(() => checkTarget('suspend', target, true)).toThrow(
      'the suspend function (--suspend-function)',
    );
  });
});

import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type OperatorOptions, parseOperatorArguments } from '../../../cli/arguments.js';
import { invokeAndFollow } from '../../../cli/follow.js';
import type { OperatorIO } from '../../../cli/io.js';
import type { RunRecord } from '../../../functions/core/ports.js';
import { emptyCounts } from '../../../functions/core/run/outcome.js';

// Following a run: the function invoked asynchronously with a run id, the record read until it
// ends, what is printed on a terminal, in a pipe and with --json, and the exit code.

const lambdaMock = mockClient(LambdaClient);
/** A function's answer, as the SDK hands it over (bytes). */
const payloadOf = (value: unknown) =>
  Buffer.from(JSON.stringify(value)) as unknown as InvokeCommandOutput['Payload'];

/** Output kept as it would reach stdout and stderr; a clock the sleeps move. */
function fakeIO(tty: boolean) {
  let now = Date.parse('2026-12-07T10:00:00Z');
  const stdout: string[] = [];
  const stderr: string[] = [];
  let liveShown = false;
  const io: OperatorIO = {
    style: { tty, colour: false, columns: 100 },
    out: (line) => {
      io.endLive();
      stdout.push(`${line}\n`);
    },
    err: (line) => stderr.push(`${line}\n`),
    live: (line) => {
      stdout.push(`\r${line}`);
      liveShown = true;
    },
    endLive: () => {
      if (liveShown) stdout.push('\n');
      liveShown = false;
    },
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    env: {},
  };
  return { io, stdout, stderr };
}

const progressRecord = (delivered: number): RunRecord => ({
  runId: 'resume-7',
  kind: 'resume',
  state: 'running',
  progress: {
    phase: 'posting',
    total: 10,
    read: 10,
    counts: { ...emptyCounts(), total: 10, delivered },
    handOvers: 0,
    updatedAt: 'x',
  },
});
const endRecord = (state: string, extra: Partial<RunRecord> = {}): RunRecord =>
  ({
    runId: 'resume-7',
    kind: 'resume',
    state,
    outcome: 'ok',
    hookStatus: 'Succeeded',
    durationMs: 3000,
    counts: { ...emptyCounts(), total: 10, delivered: 10 },
    message: '10 of 10 connections resumed, 0 gone, 0 timed out, 0 throttled, 0 failed.',
    ...extra,
  }) as RunRecord;

/** The records the follower reads, one per poll; the lease item is never there. */
function recordsInTurn(...records: (RunRecord | undefined)[]) {
  let poll = 0;
  return async (runId: string) => {
    if (runId !== 'resume-7') return undefined;
    const record = records[Math.min(poll, records.length - 1)];
    poll++;
    return record;
  };
}

const options = (argv: string[] = []) =>
  parseOperatorArguments(['resume', ...argv]) as OperatorOptions;

async function follow(tty: boolean, argv: string[], ...records: (RunRecord | undefined)[]) {
  const { io, stdout, stderr } = fakeIO(tty);
  const code = await invokeAndFollow('resume', 'chat-prod-wsChannelsResume', options(argv), io, {
    lambda: new LambdaClient({ region: 'us-east-1' }),
    readRecord: recordsInTurn(...records),
    newRunId: () => 'resume-7',
    startTimeoutMs: 5_000,
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

describe('following a run', () => {
  beforeEach(() => {
    lambdaMock.reset();
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  it('invokes the function asynchronously with the run id and the run options', async () => {
    await follow(false, ['--connection-id', 'a=', '--concurrency', '5'], endRecord('completed'));

    const [call] = lambdaMock.commandCalls(InvokeCommand);
    expect(call?.args[0].input).toMatchObject({
      FunctionName: 'chat-prod-wsChannelsResume',
      InvocationType: 'Event',
    });
    expect(JSON.parse(String(call?.args[0].input.Payload))).toEqual({
      runId: 'resume-7',
      connectionIds: ['a='],
      concurrency: 5,
    });
  });

  it('in a pipe: a plain line per change, no bar, no escape codes, then the table', async () => {
    const { code, stdout } = await follow(
      false,
      [],
      undefined,
      progressRecord(0),
      progressRecord(4),
      progressRecord(4),
      endRecord('completed'),
    );

    expect(code).toBe(0);
    expect(stdout.split('\n').slice(0, 5)).toEqual([
      'resume resume-7: invoked chat-prod-wsChannelsResume',
      'resume resume-7: not started yet',
      'resume resume-7: running, 0/10 (delivered 0)',
      'resume resume-7: running, 4/10 (delivered 4)',
      'resume resume-7: completed, ok',
    ]);
    for (const terminalOnly of ['\r', '\u001b', '█']) expect(stdout).not.toContain(terminalOnly);
    expect(stdout).toContain('10 of 10 connections resumed');
  });

  it('on a terminal: one live line redrawn with the bar, ended full before the table', async () => {
    const { stdout } = await follow(true, [], progressRecord(4), endRecord('completed'));

    const redraws = stdout.split('\r').filter(Boolean);
    expect(redraws[0]).toMatch(/^resume █+░+ 4\/10 {2}delivered 4 {2}0\.0 s$/);
    expect(redraws[1]).toMatch(
      /^resume █+ 10\/10 {2}delivered 10 {2}1\.0 s\nresume resume-7: completed, ok\n/,
    );
  });

  it('with --json: a JSON line per change and the record at the end', async () => {
    const { stdout } = await follow(true, ['--json'], progressRecord(4), endRecord('completed'));

    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.event)).toEqual(['invoked', 'progress', 'finished']);
    expect(lines[1]).toMatchObject({ runId: 'resume-7', progress: { counts: { delivered: 4 } } });
    expect(lines[2].run).toMatchObject({ state: 'completed', outcome: 'ok' });
  });

  it.each([
    ['failed', {}, 1],
    ['incomplete', {}, 1],
    ['completed', { hookStatus: 'Failed' }, 1],
    ['completed', { outcome: 'errors' }, 0],
  ])('exits %s (%j) with %i', async (state, extra, expected) => {
    const { code } = await follow(false, [], endRecord(state, extra));

    expect(code).toBe(expected);
  });

  it('gives up when no record appears, and says where to look', async () => {
    const { code, stderr } = await follow(false, ['--poll-ms', '1000'], undefined);

    expect(code).toBe(1);
    expect(stderr).toContain(
      'resume resume-7: no record after 6 s; the function did not start the run. Its logs say why (e.g. aws logs tail /aws/lambda/chat-prod-wsChannelsResume).',
    );
  });

  it('runs a dry run synchronously and prints its summary; a function error exits 1', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payloadOf(endRecord('completed', { outcome: 'dry_run' })),
    });
    const dry = await follow(false, ['--dry-run'], undefined);
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payloadOf({ errorMessage: 'RUNS_TABLE is missing' }),
    });
    const failed = await follow(false, ['--dry-run'], undefined);

    expect(lambdaMock.commandCalls(InvokeCommand)[0]?.args[0].input.InvocationType).toBeUndefined();
    expect(dry).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('resume resume-7: completed, dry_run');
    expect(failed).toMatchObject({
      code: 1,
      stderr: 'chat-prod-wsChannelsResume failed: RUNS_TABLE is missing\n',
    });
  });
});

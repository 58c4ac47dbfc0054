import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { leaseId } from '../functions/aws/run-table.js';
import type { RunRecord } from '../functions/core/ports.js';
import type { OperatorOptions } from './arguments.js';
import type { OperatorIO } from './io.js';
import { finalText, runLine, viewOf, waitingLine } from './render.js';

// `ws-channels suspend|resume`: invokes the function as the console would and follows the run
// through its record. A real run is invoked asynchronously (it may outlast any HTTP timeout, and
// hand over to further invocations) with a run id chosen here, so its record can be read as it
// goes; a dry run answers at once, synchronously, with its summary.

/** States a run's record ends in; `running` and `handed_over` go on. */
const endStates = new Set(['completed', 'incomplete', 'failed', 'duplicate']);

/** A run waits for another run's lease at most 5 minutes before it writes its first record. */
export const defaultStartTimeoutMs = 6 * 60_000;

export interface FollowDependencies {
  lambda: LambdaClient;
  /** The run's record, or the lease item (its holder), as it stands now. */
  readRecord(runId: string): Promise<RunRecord | undefined>;
  newRunId(kind: 'suspend' | 'resume', now: number): string;
  startTimeoutMs?: number;
}

/** The event the function gets: the manual event of docs/console.md. */
export function eventOf(options: OperatorOptions, runId?: string): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  if (options.dryRun) event.dryRun = true;
  if (options.connectionIds.length > 0) event.connectionIds = options.connectionIds;
  if (options.timeoutMs !== undefined) event.timeoutMs = options.timeoutMs;
  if (options.concurrency !== undefined) event.concurrency = options.concurrency;
  if (runId !== undefined) event.runId = runId;
  return event;
}

/** Runs suspend or resume and follows it; the exit code: 0 when the run did what it was asked. */
export async function invokeAndFollow(
  kind: 'suspend' | 'resume',
  functionName: string,
  options: OperatorOptions,
  io: OperatorIO,
  dependencies: FollowDependencies,
): Promise<number> {
  if (options.dryRun) return dryRun(functionName, options, io, dependencies.lambda);
  const startedAt = io.now();
  const runId = dependencies.newRunId(kind, startedAt);
  await dependencies.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'Event',
      Payload: JSON.stringify(eventOf(options, runId)),
    }),
  );
  const live = io.style.tty && !options.json;
  if (options.json) io.out(JSON.stringify({ event: 'invoked', kind, runId, functionName }));
  else if (!live) io.out(`${kind} ${runId}: invoked ${functionName}`);

  let shown = '';
  /** A terminal's live line is redrawn every poll (its seconds tick); elsewhere a line per change. */
  const show = (line: string, json: Record<string, unknown>) => {
    const text = options.json ? JSON.stringify(json) : line;
    if (live) io.live(text);
    else if (text !== shown) io.out(text);
    shown = text;
  };
  const startTimeoutMs = dependencies.startTimeoutMs ?? defaultStartTimeoutMs;
  for (;;) {
    const record = await dependencies.readRecord(runId);
    const elapsedMs = io.now() - startedAt;
    if (!record) {
      if (elapsedMs > startTimeoutMs) {
        io.endLive();
        io.err(
          `${kind} ${runId}: no record after ${Math.round(elapsedMs / 1000)} s; the function did not start the run. Its logs say why (e.g. aws logs tail /aws/lambda/${functionName}).`,
        );
        return 1;
      }
      const lease = await dependencies.readRecord(leaseId);
      const holder =
        lease && typeof lease.holder === 'string'
          ? { holder: lease.holder, kind: String(lease.kind ?? '') }
          : undefined;
      // Its own lease: the run has started and counts what it will post to.
      const own = holder?.holder === runId;
      show(waitingLine(kind, runId, own ? 'own' : holder), {
        event: own ? 'started' : 'waiting',
        runId,
        lease: holder ?? null,
      });
    } else if (endStates.has(record.state)) {
      // The bar ends where the run ended, before the table under it.
      if (live) io.live(runLine(viewOf(record), elapsedMs, io.style));
      io.endLive();
      if (options.json) io.out(JSON.stringify({ event: 'finished', run: record }));
      else io.out(finalText(record, io.style));
      return exitCodeOf(record);
    } else {
      show(runLine(viewOf(record), live ? elapsedMs : undefined, io.style), {
        event: 'progress',
        runId,
        state: record.state,
        progress: record.progress ?? null,
      });
    }
    await io.sleep(options.pollMs);
  }
}

async function dryRun(
  functionName: string,
  options: OperatorOptions,
  io: OperatorIO,
  lambda: LambdaClient,
): Promise<number> {
  const output = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(eventOf(options)) }),
  );
  const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : 'null';
  const payload = JSON.parse(text) as Record<string, unknown> | null;
  if (output.FunctionError) {
    const message = payload?.errorMessage ?? text;
    if (options.json) io.out(JSON.stringify({ event: 'failed', functionName, error: payload }));
    else io.err(`${functionName} failed: ${String(message)}`);
    return 1;
  }
  const summary = (payload ?? {}) as RunRecord;
  if (options.json) io.out(JSON.stringify({ event: 'finished', run: summary }));
  else io.out(finalText(summary, io.style));
  return exitCodeOf(summary);
}

/** Non-zero when the run failed, stopped before the end, or its hook would report Failed. */
export function exitCodeOf(record: RunRecord): number {
  if (record.state === 'failed' || record.state === 'incomplete') return 1;
  return record.hookStatus === 'Failed' ? 1 : 0;
}

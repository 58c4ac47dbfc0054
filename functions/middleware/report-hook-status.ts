import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  type Clock,
  type HookExecution,
  type HookExecutions,
  type HookReporter,
  type HookStatus,
  type LifecycleHook,
  type Logger,
  type RunKind,
  systemClock,
} from '../core/ports.js';
import { handOverGraceMs } from '../core/run/state.js';
import type { RunSummary } from '../core/run/summary.js';
import { errorNameOf } from '../core/sdk-error.js';
import { type ClaimHeartbeat, claimTtlMs, startClaimHeartbeat } from './hook-heartbeat.js';
import {
  explainUnreported,
  type FailedRunResponse,
  type RunResponse,
  repeatWhileInProgress,
} from './hook-responses.js';
import { invocationOf } from './read-invocation.js';

export type { FailedRunResponse, RepeatedHookResponse, RunResponse } from './hook-responses.js';

// A middy middleware that gives a CodeDeploy lifecycle hook exactly one status, however often
// Lambda delivers its event (at least once, and a failed invocation twice more). The work is
// keyed on LifecycleEventHookExecutionId, as Powertools Idempotency keys it on the event:
// - the first delivery claims the hook (`in_progress` until its Lambda's time is up), runs,
//   stores the status with the response (`completed`), reports it, and marks it `reported`;
// - a repeat while the first runs does nothing and answers so (no throw: Lambda would retry it);
// - a repeat after a `completed` one (its report failed) reports the stored status; after a
//   `reported` one it only returns the stored response;
// - a repeat after the first died (past its time) takes the hook over and runs it.
// An error in the run is a status (Failed), answered, not rethrown: a rethrow would make Lambda
// run the hook again. Only a report that did not get through is rethrown, so that Lambda's retry
// reports the stored status. `LifecycleEventAlreadyCompletedException` means the status is in.
//
// Why not @aws-lambda-powertools/idempotency itself: it deletes the in-progress record when the
// handler throws (a retry would run the hook again, where here a failure is a status to keep),
// it throws IdempotencyAlreadyInProgressError at a repeat (Lambda retries it), and it has no
// state between "result stored" and "result delivered", which is what makes a lost report
// reportable by the retry. Its model is kept; its package would need all three worked around.
//
// A console run (no hook in the event) and a dry run of a hook (it writes nothing, a status
// included) are left alone. The event is read once, by readInvocationOnce; this middleware keeps
// what it follows of one invocation on `request.internal`, as middy's own middlewares do.

export interface ReportHookStatusOptions {
  kind: RunKind;
  reporter: HookReporter;
  logger: Logger;
  /** Where hook executions are kept; asked for at the first hook, inside the invocation. */
  executions: () => HookExecutions;
  clock?: Clock;
}

const kinds: readonly RunKind[] = ['suspend', 'resume'];

const internalKey = 'wsChannelsHookInvocation';

type RunRequest = Request<unknown, RunResponse, Error, Context>;

/** One hook invocation as this middleware follows it. */
interface HookInvocation {
  hook: LifecycleHook;
  executions: HookExecutions | undefined;
  /** Set when this invocation claimed the hook: it does the work and stores the status. */
  owner: string | undefined;
  /** Set once a report was sent: nothing is reported twice from one invocation. */
  reported: 'sending' | 'done' | 'failed' | undefined;
  /** Keeps this invocation's claim alive while it works. */
  heartbeat?: ClaimHeartbeat;
}

export function reportHookStatus(
  options: ReportHookStatusOptions,
): MiddlewareObj<unknown, RunResponse, Error, Context> {
  // Checked once, when the handler is built: a wiring mistake fails the cold start, loudly.
  if (!kinds.includes(options.kind)) {
    throw new TypeError(`Expected kind to be one of ${kinds.join(', ')}, got ${options.kind}`);
  }
  if (typeof options.reporter?.report !== 'function') {
    throw new TypeError('Expected reporter to be a HookReporter (an object with report())');
  }
  if (typeof options.executions !== 'function') {
    throw new TypeError('Expected executions to be a function that returns HookExecutions');
  }
  const { kind, reporter, logger } = options;
  const clock = options.clock ?? systemClock;
  const followed = (request: RunRequest): HookInvocation | undefined =>
    (request.internal as Record<string, unknown>)[internalKey] as HookInvocation | undefined;

  const report = async (invocation: HookInvocation, status: HookStatus) => {
    const fields = { ...invocation.hook, status };
    invocation.reported = 'sending';
    try {
      await reporter.report(invocation.hook, status);
      logger.info(`Reported ${status} to CodeDeploy.`, fields);
    } catch (error) {
      if (errorNameOf(error) !== 'HookAlreadyCompletedError') {
        invocation.reported = 'failed';
        logger.error(
          `Could not report ${status} to CodeDeploy; the invocation fails so that Lambda's retry reports the stored status.`,
          { ...fields, error },
        );
        throw error;
      }
      logger.info(`CodeDeploy already has a status for this hook; ${status} is in.`, fields);
    }
    invocation.reported = 'done';
    await invocation.executions?.markReported(invocation.hook).catch((error: unknown) =>
      // A repeat then reports once more and is told the status is in.
      logger.warn('Could not mark the hook execution reported.', { ...fields, error }),
    );
  };

  /** Stores the status this invocation decided, then reports it. */
  const finish = async (invocation: HookInvocation, response: RunSummary | FailedRunResponse) => {
    const status = response.hookStatus;
    const { executions, owner, hook } = invocation;
    if (executions && owner) {
      const stored = await executions
        .complete(hook, owner, { status, response: { ...response } })
        .catch((error: unknown) => {
          logger.error(
            'Could not store the hook status; a repeat delivery past this invocation may run the hook again.',
            { ...hook, status, error },
          );
          return undefined;
        });
      if (stored === false) {
        logger.warn(
          'Another delivery took this hook over while this invocation ran past its time; reporting anyway (CodeDeploy keeps the first status).',
          { ...hook, status },
        );
      }
      // Only a stored status may be marked reported.
      if (stored !== true) invocation.executions = undefined;
    }
    await report(invocation, status);
  };

  /** A repeat delivery: the first's answer, reported if it was not yet. */
  const answerRepeat = async (
    invocation: HookInvocation,
    execution: HookExecution,
  ): Promise<RunResponse> => {
    const { hook } = invocation;
    if (execution.state === 'in_progress') {
      const response = repeatWhileInProgress(kind, hook, execution.inProgressUntil);
      logger.info(response.message, { ...hook, kind, inProgressUntil: response.inProgressUntil });
      return response;
    }
    if (execution.state === 'completed') {
      logger.info(
        'A repeat delivery of a finished hook whose report did not get through: reporting the stored status.',
        {
          ...hook,
          status: execution.status,
        },
      );
      await report(invocation, execution.status);
    } else {
      logger.info('A repeat delivery of a reported hook: returning the stored result.', {
        ...hook,
        status: execution.status,
      });
    }
    // It was stored by `finish` from a RunResponse.
    return execution.response as unknown as RunResponse;
  };

  return {
    before: async (request) => {
      const read = invocationOf(request);
      if (read.hookReport.kind !== 'report') return explainUnreported(logger, read.hookReport);
      const invocation: HookInvocation = {
        hook: read.hookReport.hook,
        executions: undefined,
        owner: undefined,
        reported: undefined,
      };
      (request.internal as Record<string, unknown>)[internalKey] = invocation;
      // Inside the invocation: a configuration error is reported as Failed by onError.
      invocation.executions = options.executions();
      const { owner } = read;
      const { hook, executions } = invocation;
      const claim = await executions.claim(hook, {
        kind,
        owner,
        inProgressUntil: clock.now() + claimTtlMs,
      });
      if (claim.claimed) {
        invocation.owner = owner;
        invocation.heartbeat = startClaimHeartbeat({ executions, hook, owner, clock, logger });
        return;
      }
      // An early return skips the handler and every `after`: the logger's and logMetrics'
      // have nothing to do for a repeat, which adds no metric.
      return answerRepeat(invocation, claim.execution);
    },
    after: async (request) => {
      const invocation = followed(request);
      invocation?.heartbeat?.stop();
      const response = request.response;
      if (!invocation?.owner || !response || !('hookStatus' in response)) return;
      // An invocation that handed the run over keeps the claim for the invocation it started; a
      // repeated hand-over did nothing. The invocation that ends the run reports.
      if (response.state === 'handed_over') {
        await invocation.heartbeat?.keepFor(handOverGraceMs);
        return;
      }
      if (response.state === 'duplicate') return;
      await finish(invocation, response);
    },
    onError: async (request) => {
      const invocation = followed(request);
      invocation?.heartbeat?.stop();
      // A report was sent: if it failed, its error goes to Lambda, whose retry reports the
      // stored status; if it got through, the status is in.
      if (invocation?.reported !== undefined) return;
      const report = invocationOf(request).hookReport;
      const hook = invocation?.hook ?? (report.kind === 'report' ? report.hook : undefined);
      const error = request.error;
      logger.error(`The ${kind} run failed.`, { error, ...(hook ?? {}) });
      if (!hook) return;
      const response: FailedRunResponse = {
        kind,
        trigger: 'codedeploy',
        ...hook,
        state: 'failed',
        hookStatus: 'Failed',
        error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
      };
      await finish(
        invocation ?? { hook, executions: undefined, owner: undefined, reported: undefined },
        response,
      );
      request.response = response;
    },
  };
}

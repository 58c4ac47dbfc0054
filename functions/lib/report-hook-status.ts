import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { hookOf } from './core/events.js';
import type { HookReporter, HookStatus, LifecycleHook, Logger, RunKind } from './core/ports.js';
import type { RunSummary } from './core/run-summary.js';

// A middy middleware that tells CodeDeploy how a lifecycle hook went, exactly once on every
// path: after the run with the summary's status, or with Failed on any error (a bad event, a
// configuration error, a crash, middy's early timeout). An error in a hook invocation is
// answered, not rethrown: CodeDeploy invokes hooks asynchronously, and a rethrow would make
// Lambda run (and report) the hook again. A console run (no hook in the event) is left alone.

export interface ReportHookStatusOptions {
  kind: RunKind;
  reporter: HookReporter;
  logger: Logger;
}

/** What the handler returns when the run threw: the console shows it, CodeDeploy got Failed. */
export interface FailedRunResponse {
  kind: RunKind;
  trigger: 'codedeploy';
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  state: 'failed';
  hookStatus: 'Failed';
  error: { name: string; message: string };
}

export type RunResponse = RunSummary | FailedRunResponse;

const kinds: readonly RunKind[] = ['suspend', 'resume'];

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
  const { kind, reporter, logger } = options;
  // Per invocation (middy makes a new request object for each): reported, or failed to report.
  const reports = new WeakMap<object, 'reported' | 'reportFailed'>();

  const report = async (request: object, hook: LifecycleHook, status: HookStatus) => {
    if (reports.has(request)) return;
    reports.set(request, 'reported');
    try {
      await reporter.report(hook, status);
      logger.info(`Reported ${status} to CodeDeploy.`, { ...hook, status });
    } catch (error) {
      logger.error(
        `Could not report ${status} to CodeDeploy; the deployment waits for the hook's timeout.`,
        { ...hook, status, error },
      );
      reports.set(request, 'reportFailed');
      throw error;
    }
  };

  return {
    after: async (request) => {
      const hook = hookOf(request.event);
      if (!hook || !request.response) return;
      await report(request, hook, request.response.hookStatus);
    },
    onError: async (request) => {
      // CodeDeploy could not be told: fail the invocation, so that Lambda's retry tells it.
      if (reports.get(request) === 'reportFailed') throw request.error;
      const hook = hookOf(request.event);
      const error = request.error;
      logger.error(`The ${kind} run failed.`, { error, ...(hook ?? {}) });
      if (!hook) return;
      await report(request, hook, 'Failed');
      request.response = {
        kind,
        trigger: 'codedeploy',
        ...hook,
        state: 'failed',
        hookStatus: 'Failed',
        error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
      };
    },
  };
}

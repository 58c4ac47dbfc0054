import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { BulkConfig } from './config.js';
import { type RunSummary, runChannels } from './core/channel-run.js';
import { hookOf, type Invocation, parseInvocation } from './core/events.js';
import type {
  ChannelStore,
  Logger as CoreLogger,
  HookReporter,
  LifecycleHook,
  MessagePoster,
  RunKind,
  RunLog,
} from './core/ports.js';
import { systemClock } from './core/ports.js';

// The suspend and resume Lambdas share this wiring: middy around the run, the Powertools logger
// with the Lambda context, and the CodeDeploy report that must happen exactly once on every path.

/** What a composition root builds once per cold start (config read, clients made). */
export interface ChannelRunParts {
  config: BulkConfig;
  poster: MessagePoster;
  runLog: RunLog;
  storeFor(invocation: Invocation): ChannelStore;
}

export interface ChannelHandlerOptions {
  kind: RunKind;
  logger: Logger;
  metrics?: Metrics;
  reporter: HookReporter;
  /** Called on the first invocation, inside the handler: a configuration error is reported too. */
  setup: () => ChannelRunParts;
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

/**
 * Reports the run's status to CodeDeploy when the event is a lifecycle hook: after the run with
 * its status, or on any error with Failed. An error in a hook invocation is answered, not
 * rethrown: CodeDeploy invokes hooks asynchronously, and a rethrow would make Lambda run (and
 * report) it again.
 */
export function reportToCodeDeploy(options: {
  kind: RunKind;
  reporter: HookReporter;
  logger: Logger;
}): MiddlewareObj<unknown, RunSummary | FailedRunResponse, Error, Context> {
  const reported = new WeakSet<object>();
  const reportFailed = new WeakSet<object>();
  const report = async (
    request: object,
    hook: LifecycleHook,
    status: 'Succeeded' | 'Failed',
  ): Promise<void> => {
    if (reported.has(request)) return;
    reported.add(request);
    try {
      await options.reporter.report(hook, status);
      options.logger.info(`Reported ${status} to CodeDeploy.`, { ...hook, status });
    } catch (error) {
      options.logger.error(
        `Could not report ${status} to CodeDeploy; the deployment waits for the hook's timeout.`,
        { ...hook, status, error },
      );
      reportFailed.add(request);
      throw error;
    }
  };
  return {
    after: async (request) => {
      const hook = hookOf(request.event);
      const response = request.response;
      if (!hook || !response) return;
      await report(request, hook, response.hookStatus);
    },
    onError: async (request) => {
      // CodeDeploy could not be told: fail the invocation, so that Lambda's retry tells it.
      if (reportFailed.has(request)) throw request.error;
      const hook = hookOf(request.event);
      const error = request.error;
      options.logger.error(`The ${options.kind} run failed.`, { error, ...(hook ?? {}) });
      if (!hook) return;
      await report(request, hook, 'Failed');
      request.response = {
        kind: options.kind,
        trigger: 'codedeploy',
        ...hook,
        state: 'failed',
        hookStatus: 'Failed',
        error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
      };
    },
  };
}

export function publishRunMetrics(metrics: Metrics, summary: RunSummary): void {
  metrics.addDimension('kind', summary.kind);
  const { counts } = summary;
  metrics.addMetric('delivered', MetricUnit.Count, counts.delivered);
  metrics.addMetric('gone', MetricUnit.Count, counts.gone);
  metrics.addMetric('timedOut', MetricUnit.Count, counts.timedOut);
  metrics.addMetric('throttled', MetricUnit.Count, counts.throttled);
  metrics.addMetric('failed', MetricUnit.Count, counts.failed);
  metrics.addMetric('remaining', MetricUnit.Count, counts.remaining);
  metrics.addMetric('duration', MetricUnit.Milliseconds, summary.durationMs);
  metrics.publishStoredMetrics();
}

/** The core's small logger interface on top of the Powertools logger. */
export function coreLogger(logger: Logger): CoreLogger {
  const level =
    (method: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>) =>
      fields ? logger[method](message, fields) : logger[method](message);
  return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
}

export function channelRunHandler(options: ChannelHandlerOptions) {
  const logger = coreLogger(options.logger);
  let parts: ChannelRunParts | undefined;
  const core = async (event: unknown, context: Context): Promise<RunSummary> => {
    parts ??= options.setup();
    const invocation = parseInvocation(event);
    const { config } = parts;
    return runChannels({
      kind: options.kind,
      invocation,
      settings: {
        concurrency: config.concurrency,
        timeoutMs: config.postTimeoutMs,
        maxPostsPerSecond: config.maxPostsPerSecond,
        failOnErrorRatio: config.failOnErrorRatio,
      },
      store: parts.storeFor(invocation),
      poster: parts.poster,
      runLog: parts.runLog,
      logger,
      clock: systemClock,
      metrics: options.metrics
        ? { publish: (summary) => publishRunMetrics(options.metrics as Metrics, summary) }
        : undefined,
      // Outside Lambda (tests, scripts) there is no deadline.
      remainingTimeMs: () =>
        typeof context?.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis()
          : Number.MAX_SAFE_INTEGER,
    });
  };
  return middy<unknown, RunSummary | FailedRunResponse, Error, Context>(core, {
    // The run stops on its own well before; this is the last resort that still reports.
    timeoutEarlyInMillis: 1_500,
  })
    .use(injectLambdaContext(options.logger))
    .use(
      reportToCodeDeploy({
        kind: options.kind,
        reporter: options.reporter,
        logger: options.logger,
      }),
    );
}

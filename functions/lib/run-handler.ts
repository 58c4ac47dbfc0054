import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RunConfig } from './config.js';
import { runChannels } from './core/channel-run.js';
import { type Invocation, parseInvocation } from './core/events.js';
import type {
  ChannelStore,
  HookReporter,
  MessagePoster,
  RunKind,
  RunLease,
  RunRecords,
} from './core/ports.js';
import { systemClock } from './core/ports.js';
import type { RunSummary } from './core/run-summary.js';
import { coreLogger } from './logger.js';
import { type RunResponse, reportHookStatus } from './report-hook-status.js';

// The Lambda handler of a suspend or resume function: middy around one run, with the
// Powertools logger (Lambda context on every line), Powertools metrics (flushed by their own
// middleware) and the CodeDeploy report that must happen exactly once on every path.

/** What a run needs from AWS, made by the composition root (functions/suspend.ts, resume.ts). */
export interface RunDependencies {
  config: RunConfig;
  poster: MessagePoster;
  lease: RunLease;
  records: RunRecords;
  storeFor(invocation: Invocation): ChannelStore;
}

export interface RunEventHandlerOptions {
  kind: RunKind;
  logger: Logger;
  metrics?: Metrics;
  reporter: HookReporter;
  /** Called on the first invocation, inside it: a configuration error is reported too. */
  dependencies: () => RunDependencies;
}

export function runEventHandler(options: RunEventHandlerOptions) {
  const logger = coreLogger(options.logger);
  let dependencies: RunDependencies | undefined;

  const handleRunEvent = async (
    event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<RunSummary> => {
    dependencies ??= options.dependencies();
    const invocation = parseInvocation(event);
    const { config } = dependencies;
    const summary = await runChannels({
      kind: options.kind,
      invocation,
      settings: {
        concurrency: config.concurrency,
        timeoutMs: config.postTimeoutMs,
        maxPostsPerSecond: config.maxPostsPerSecond,
        failOnErrorRatio: config.failOnErrorRatio,
      },
      store: dependencies.storeFor(invocation),
      poster: dependencies.poster,
      lease: dependencies.lease,
      records: dependencies.records,
      logger,
      clock: systemClock,
      signal,
      // Outside Lambda (tests, scripts) there is no deadline.
      remainingTimeMs: () =>
        typeof context?.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis()
          : Number.MAX_SAFE_INTEGER,
    });
    if (options.metrics) addRunMetrics(options.metrics, summary);
    return summary;
  };

  const handler = middy<unknown, RunResponse, Error, Context>(handleRunEvent, {
    // The run stops on its own well before; this is the last resort that still reports.
    timeoutEarlyInMillis: 1_500,
  }).use(injectLambdaContext(options.logger));
  if (options.metrics) handler.use(logMetrics(options.metrics));
  return handler.use(reportHookStatus({ kind: options.kind, reporter: options.reporter, logger }));
}

/** The run's counts as CloudWatch metrics; `logMetrics` publishes them after the handler. */
export function addRunMetrics(metrics: Metrics, summary: RunSummary): void {
  metrics.addDimension('kind', summary.kind);
  const { counts } = summary;
  metrics.addMetric('delivered', MetricUnit.Count, counts.delivered);
  metrics.addMetric('gone', MetricUnit.Count, counts.gone);
  metrics.addMetric('timedOut', MetricUnit.Count, counts.timedOut);
  metrics.addMetric('throttled', MetricUnit.Count, counts.throttled);
  metrics.addMetric('failed', MetricUnit.Count, counts.failed);
  metrics.addMetric('remaining', MetricUnit.Count, counts.remaining);
  metrics.addMetric('duration', MetricUnit.Milliseconds, summary.durationMs);
}

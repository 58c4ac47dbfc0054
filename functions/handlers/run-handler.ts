import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { CodeDeployHookReporter } from '../aws/codedeploy-reporter.js';
import { handOverEvent } from '../core/invocation/hand-over.js';
import type { Invocation } from '../core/invocation/parse.js';
import type { Logger as CoreLogger, HookReporter, Invoker, RunKind } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import type { RunDependencies } from '../core/run/dependencies.js';
import { type RunChannelsOptions, runChannels } from '../core/run/run-channels.js';
import type { RunSummary } from '../core/run/summary.js';
import { type RunContext, readInvocationOnce } from '../middleware/read-invocation.js';
import { type RunResponse, reportHookStatus } from '../middleware/report-hook-status.js';
import { coreLogger } from './logger.js';

// The Lambda handler of a suspend or resume function: middy around one run, with the
// Powertools logger (Lambda context on every line), Powertools metrics (flushed by their own
// middleware) and the CodeDeploy report that must happen exactly once on every path. The event
// is read once, by the first middleware; the handler takes what it read from its context.

export type { RunDependencies } from '../core/run/dependencies.js';

export interface RunEventHandlerOptions {
  kind: RunKind;
  /** Powertools' logger; by default one with the environment's settings. */
  logger?: Logger;
  /** Powertools' metrics; by default one with the environment's settings. */
  metrics?: Metrics | false;
  /** Where hook statuses go; by default CodeDeploy through the SDK. */
  reporter?: HookReporter;
  /**
   * Called on the first invocation, inside it, so that a configuration error is reported to
   * CodeDeploy too. Gets the core's logger for the adapters it makes.
   */
  dependencies: (made: { logger: CoreLogger }) => RunDependencies;
}

export function runEventHandler(options: RunEventHandlerOptions) {
  const powertoolsLogger = options.logger ?? new Logger();
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new Metrics());
  const reporter = options.reporter ?? new CodeDeployHookReporter();
  const logger = coreLogger(powertoolsLogger);
  let dependencies: RunDependencies | undefined;
  const dependenciesOnce = () => {
    dependencies ??= options.dependencies({ logger });
    return dependencies;
  };

  const handleRunEvent = async (
    _event: unknown,
    context: Context,
    { signal }: { signal: AbortSignal },
  ): Promise<RunSummary> => {
    const dependencies = dependenciesOnce();
    // Set by readInvocationOnce, the first middleware.
    const read = (context as RunContext).wsChannels;
    if (!read.invocation) throw read.error;
    const { invocation } = read;
    const summary = await runChannels({
      kind: options.kind,
      invocation,
      settings: dependencies.settings,
      store: dependencies.storeFor(invocation),
      undoStoreFor: dependencies.undoStoreFor,
      poster: dependencies.poster,
      lease: dependencies.lease,
      records: dependencies.records,
      window: dependencies.window,
      logger,
      clock: systemClock,
      signal,
      // Only a hook's execution has an owner to pass on; a console run reports to nobody.
      ...handOverThrough(dependencies.invoker, invocation, context, {
        owner: read.hookReport.kind === 'report' ? read.owner : null,
      }),
      // Outside Lambda (tests, scripts) there is no deadline.
      remainingTimeMs: () =>
        typeof context?.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis()
          : Number.MAX_SAFE_INTEGER,
    });
    if (metrics) addRunMetrics(metrics, summary);
    return summary;
  };

  const handler = middy<unknown, RunResponse, Error, Context>(handleRunEvent, {
    // The run stops on its own well before; this is the last resort that still reports.
    timeoutEarlyInMillis: 1_500,
  })
    .use(readInvocationOnce())
    .use(injectLambdaContext(powertoolsLogger));
  if (metrics) handler.use(logMetrics(metrics));
  return handler.use(
    reportHookStatus({
      kind: options.kind,
      reporter,
      logger,
      executions: () => dependenciesOnce().hookExecutions,
    }),
  );
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

/**
 * How a run hands over to a new invocation: an asynchronous invoke of this very function (its
 * version or alias, from the context's ARN) with the hand-over event, carrying the hook
 * execution's owner so that the invocation that ends the run reports. None outside Lambda (no
 * context) or without an invoker.
 */
function handOverThrough(
  invoker: Invoker | undefined,
  invocation: Invocation,
  context: Context | undefined,
  { owner }: { owner: string | null },
): Pick<RunChannelsOptions, 'handOver'> {
  // The invoked ARN names the version or alias that runs now; where there is none (offline),
  // the function's name.
  const arn = context?.invokedFunctionArn;
  const functionName =
    typeof arn === 'string' && arn.startsWith('arn:') ? arn : context?.functionName;
  if (!invoker || typeof functionName !== 'string' || functionName.length === 0) return {};
  return {
    handOver: (handOver) =>
      invoker.invokeAsync(functionName, handOverEvent(invocation, { ...handOver, owner })),
  };
}

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CodeDeployClient,
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CodeDeployHookReporter } from '../../../functions/aws/codedeploy-reporter.js';
import { readRunConfig, runSettingsOf } from '../../../functions/config/read-config.js';
import { InvalidEventError } from '../../../functions/core/errors.js';
import type { ChannelStore } from '../../../functions/core/ports.js';
import { type RunDependencies, runEventHandler } from '../../../functions/handlers/run-handler.js';
import { reportHookStatus } from '../../../functions/middleware/report-hook-status.js';
import {
  httpError,
  InMemoryRunLease,
  InMemoryRunRecords,
  InMemoryStore,
  ScriptedPoster,
  targets,
} from '../../support/fakes.js';
import { InMemoryHookExecutions } from '../../support/hook-executions.js';

const hookEvent = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'hook-1' };

const settings = runSettingsOf(
  readRunConfig({
    CONNECTIONS_TABLE: 'connections',
    RUNS_TABLE: 'runs',
    WEBSOCKET_ENDPOINT: 'http://localhost:3001',
    POST_TIMEOUT_MS: '100',
  }),
);

function context(remainingMs = 600_000): Context {
  return {
    functionName: 'ws-channels-test-resume',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

// CodeDeploy as the SDK client sees it: every status call answered 200 unless a test says otherwise.
const codeDeploy = mockClient(CodeDeployClient);
let client: CodeDeployClient;

beforeEach(() => {
  codeDeploy.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  client = new CodeDeployClient({ region: 'us-east-1' });
});
afterEach(() => client.destroy());

/** A run's dependencies, all in memory: five connections that each take the frame. */
const inMemoryDependencies = (): RunDependencies => ({
  settings,
  poster: new ScriptedPoster(),
  lease: new InMemoryRunLease(),
  records: new InMemoryRunRecords(),
  hookExecutions: new InMemoryHookExecutions(),
  storeFor: () => new InMemoryStore(targets(5)),
});

const handlerWith = (
  given: Partial<RunDependencies> | (() => RunDependencies),
  logger = new Logger({ logLevel: 'SILENT' }),
) =>
  runEventHandler({
    kind: 'resume',
    logger,
    metrics: false,
    reporter: new CodeDeployHookReporter({ client }),
    dependencies:
      typeof given === 'function' ? given : () => ({ ...inMemoryDependencies(), ...given }),
  });

const statusCalls = () =>
  codeDeploy
    .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
    .map((call) => call.args[0].input);

describe('the suspend/resume handler and CodeDeploy', () => {
  it('reports Succeeded exactly once after a run and returns the summary', async () => {
    const response = await handlerWith({})(hookEvent, context());

    expect(response).toMatchObject({
      outcome: 'ok',
      trigger: 'codedeploy',
      deploymentId: 'd-ABC123',
    });
    expect(statusCalls()).toEqual([
      { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-1', status: 'Succeeded' },
    ]);
  });

  it('reports Failed exactly once when the run crashes, and answers instead of throwing', async () => {
    const crashing: ChannelStore = {
      count: async () => {
        throw new TypeError('Cannot read properties of undefined');
      },
      pages: new InMemoryStore([]).pages,
      recorder: new InMemoryStore([]).recorder,
    };

    const response = await handlerWith({ storeFor: () => crashing })(hookEvent, context());

    expect(response).toMatchObject({
      state: 'failed',
      hookStatus: 'Failed',
      error: { name: 'TypeError' },
    });
    expect(statusCalls()).toEqual([
      { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-1', status: 'Failed' },
    ]);
  });

  it('reports Failed when the configuration is invalid (read inside the invocation)', async () => {
    const handler = handlerWith(() => readRunConfig({}) as never);

    const response = await handler(hookEvent, context());

    expect(response).toMatchObject({ hookStatus: 'Failed', error: { name: 'ConfigurationError' } });
    expect(statusCalls().map((call) => call.status)).toEqual(['Failed']);
  });

  it('reports Failed on a precondition failure (403 on the first posts)', async () => {
    const poster = new ScriptedPoster(() => {
      throw httpError(403, 'ForbiddenException');
    });

    const response = await handlerWith({ poster })(hookEvent, context());

    expect(response).toMatchObject({ error: { name: 'PreconditionFailedError' } });
    expect(statusCalls().map((call) => call.status)).toEqual(['Failed']);
  });

  it('reports Failed when the error ratio is over FAIL_ON_ERROR_RATIO', async () => {
    const poster = new ScriptedPoster((id) => {
      if (id !== 'c0') throw httpError(500, 'InternalServerErrorException');
    });

    const response = await handlerWith({
      poster,
      settings: { ...settings, failOnErrorRatio: 0.1 },
    })(hookEvent, context());

    expect(response).toMatchObject({ outcome: 'errors', hookStatus: 'Failed' });
    expect(statusCalls().map((call) => call.status)).toEqual(['Failed']);
  });

  it('reports Failed when the Lambda is about to time out before the run ends', async () => {
    const hanging: ChannelStore = {
      count: () => new Promise<number>(() => {}),
      pages: new InMemoryStore([]).pages,
      recorder: new InMemoryStore([]).recorder,
    };

    const response = await handlerWith({ storeFor: () => hanging })(hookEvent, context(1_700));

    expect(response).toMatchObject({ hookStatus: 'Failed', error: { name: 'TimeoutError' } });
    expect(statusCalls().map((call) => call.status)).toEqual(['Failed']);
  });

  it('reports Failed for a hook event with a field CodeDeploy never sends', async () => {
    const response = await handlerWith({})({ ...hookEvent, extra: 1 }, context());

    expect(response).toMatchObject({ error: { name: 'InvalidEventError' } });
    expect(statusCalls().map((call) => call.status)).toEqual(['Failed']);
  });

  it('throws the error of a console run to the console, and calls CodeDeploy never', async () => {
    const handler = handlerWith({});

    await expect(handler({ dryrun: true }, context())).rejects.toThrow(
      /Unknown field "dryrun".*dryRun.*connectionIds.*timeoutMs.*concurrency/,
    );
    const summary = await handler({ dryRun: true }, context());

    expect(summary).toMatchObject({ outcome: 'dry_run', trigger: 'manual', counts: { total: 5 } });
    expect(statusCalls()).toEqual([]);
  });

  it('throws when CodeDeploy cannot be told, so that Lambda retries the invocation', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('network down'));

    await expect(handlerWith({})(hookEvent, context())).rejects.toThrow('network down');
    expect(statusCalls()).toHaveLength(1);
  });

  it('adds the run counts as metrics, and Powertools logMetrics publishes them once', async () => {
    const metrics = new Metrics({ namespace: 'ws-channels-test', serviceName: 'resume' });
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = runEventHandler({
      kind: 'resume',
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
      reporter: new CodeDeployHookReporter({ client }),
      dependencies: inMemoryDependencies,
    });

    await handler(hookEvent, context());

    expect(added).toHaveBeenCalledWith('delivered', MetricUnit.Count, 5);
    expect(added).toHaveBeenCalledWith('gone', MetricUnit.Count, 0);
    expect(published).toHaveBeenCalledTimes(1);
  });
});

describe('a hook delivered more than once gets one status', () => {
  const statuses = () => statusCalls().map((call) => call.status);
  const alreadyCompleted = () =>
    new LifecycleEventAlreadyCompletedException({
      message: 'The lifecycle event hook is already completed.',
      $metadata: { httpStatusCode: 400 },
    });
  const answerLost = () =>
    Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });

  /**
   * What two Lambda execution environments share: DynamoDB (the hook executions, the lease, the
   * run records, the registry) and the Management API. Each delivery gets its own handler.
   */
  function sharedWorld(poster = new ScriptedPoster()) {
    const hookExecutions = new InMemoryHookExecutions();
    const shared = {
      settings,
      poster,
      lease: new InMemoryRunLease(),
      records: new InMemoryRunRecords(),
      hookExecutions,
      storeFor: () => new InMemoryStore(targets(5)),
    };
    const logger = new Logger({ logLevel: 'SILENT' });
    // A handler per delivery, as each may land in another execution environment.
    const deliver = (event: unknown = hookEvent) => handlerWith(shared, logger)(event, context());
    /** How many frames each connection got. */
    const framesPerConnection = () => [...poster.frames.values()].map((frames) => frames.length);
    return { hookExecutions, logger, deliver, framesPerConnection };
  }

  it('a second delivery while the first runs does nothing, reports nothing, and says so', async () => {
    // Prepare: the first delivery's posts wait until the second has been answered.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let posting = () => {};
    const posted = new Promise<void>((resolve) => {
      posting = resolve;
    });
    const world = sharedWorld(
      new ScriptedPoster(async () => {
        posting();
        await gate;
      }),
    );

    // Act
    const first = world.deliver();
    await posted;
    const second = await world.deliver();
    const statusesWhileRunning = statuses();
    release();
    const summary = await first;

    // Assess
    expect(second).toMatchObject({
      trigger: 'codedeploy',
      deploymentId: 'd-ABC123',
      lifecycleEventHookExecutionId: 'hook-1',
      state: 'running',
      repeat: 'in_progress',
      message: expect.stringContaining('already running'),
    });
    expect(statusesWhileRunning).toEqual([]);
    expect(summary).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    expect(statuses()).toEqual(['Succeeded']);
    expect(world.framesPerConnection()).toEqual([1, 1, 1, 1, 1]);
    expect(world.hookExecutions.stateOf('hook-1')).toBe('reported');
  });

  it('a delivery after the first finished returns the same summary without a second status', async () => {
    const world = sharedWorld();

    const first = await world.deliver();
    const second = await world.deliver();

    expect(second).toEqual(first);
    expect(statuses()).toEqual(['Succeeded']);
    expect(world.framesPerConnection()).toEqual([1, 1, 1, 1, 1]);
  });

  it('a Failed hook repeats as Failed, from the stored status, without running again', async () => {
    const world = sharedWorld(
      new ScriptedPoster(() => {
        throw httpError(403, 'ForbiddenException');
      }),
    );

    const first = await world.deliver();
    const second = await world.deliver();

    expect(first).toMatchObject({
      hookStatus: 'Failed',
      error: { name: 'PreconditionFailedError' },
    });
    expect(second).toEqual(first);
    expect(statuses()).toEqual(['Failed']);
  });

  it('a report that failed is made by the retried delivery, from the stored status, without running again', async () => {
    codeDeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(answerLost())
      .resolves({});
    const world = sharedWorld();

    await expect(world.deliver()).rejects.toThrow('socket hang up');
    expect(world.hookExecutions.stateOf('hook-1')).toBe('completed');
    const retried = await world.deliver();

    expect(retried).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    // The first call did not get through; the retry's did, and it is the only one that did.
    expect(statuses()).toEqual(['Succeeded', 'Succeeded']);
    expect(world.framesPerConnection()).toEqual([1, 1, 1, 1, 1]);
    expect(world.hookExecutions.stateOf('hook-1')).toBe('reported');
  });

  it('a report whose answer was lost: the retried delivery is told AlreadyCompleted, and succeeds', async () => {
    codeDeploy
      .on(PutLifecycleEventHookExecutionStatusCommand)
      .rejectsOnce(answerLost())
      .rejects(alreadyCompleted());
    const world = sharedWorld();

    await expect(world.deliver()).rejects.toThrow('socket hang up');
    const retried = await world.deliver();
    const again = await world.deliver();

    expect(retried).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    expect(again).toEqual(retried);
    expect(statuses()).toEqual(['Succeeded', 'Succeeded']);
    expect(world.framesPerConnection()).toEqual([1, 1, 1, 1, 1]);
    expect(world.hookExecutions.stateOf('hook-1')).toBe('reported');
  });

  it('LifecycleEventAlreadyCompletedException means the status is in: the invocation succeeds', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(alreadyCompleted());
    const world = sharedWorld();
    const info = vi.spyOn(world.logger, 'info');

    const summary = await world.deliver();

    expect(summary).toMatchObject({ outcome: 'ok', hookStatus: 'Succeeded' });
    expect(statuses()).toEqual(['Succeeded']);
    expect(world.hookExecutions.stateOf('hook-1')).toBe('reported');
    expect(info).toHaveBeenCalledWith(
      'CodeDeploy already has a status for this hook; Succeeded is in.',
      expect.objectContaining({ lifecycleEventHookExecutionId: 'hook-1' }),
    );
  });

  it('a delivery after the first died (past its time) takes the hook over', async () => {
    const world = sharedWorld();
    const hook = { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-1' };
    await world.hookExecutions.claim(hook, {
      kind: 'resume',
      owner: 'a dead invocation',
      inProgressUntil: Date.now() - 1,
    });

    const summary = await world.deliver();

    expect(summary).toMatchObject({ outcome: 'ok' });
    expect(statuses()).toEqual(['Succeeded']);
    expect(world.framesPerConnection()).toEqual([1, 1, 1, 1, 1]);
  });

  it('an empty DeploymentId is an InvalidEventError, logged, and never reported', async () => {
    const world = sharedWorld();
    const error = vi.spyOn(world.logger, 'error');

    const invocation = world.deliver({ DeploymentId: '', LifecycleEventHookExecutionId: 'hook-1' });

    await expect(invocation).rejects.toThrow(InvalidEventError);
    await expect(invocation).rejects.toThrow(/DeploymentId is missing or not a non-empty string/);
    expect(statuses()).toEqual([]);
    expect(world.hookExecutions.items.size).toBe(0);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/without a DeploymentId .* there is no hook to report to/),
      { deploymentId: '', lifecycleEventHookExecutionId: 'hook-1' },
    );
  });

  it('a dry run of a hook is not reported, keeps no execution, and does not block the real one', async () => {
    const world = sharedWorld();

    const dryRun = await world.deliver({ ...hookEvent, dryRun: true });
    const statusesAfterDryRun = statuses();
    const real = await world.deliver();

    expect(dryRun).toMatchObject({
      outcome: 'dry_run',
      trigger: 'codedeploy',
      counts: { total: 5 },
    });
    expect(statusesAfterDryRun).toEqual([]);
    expect(real).toMatchObject({ outcome: 'ok' });
    expect(statuses()).toEqual(['Succeeded']);
  });

  it('reports Failed when the hook executions cannot be reached, and runs nothing', async () => {
    const world = sharedWorld();
    vi.spyOn(world.hookExecutions, 'claim').mockRejectedValue(
      httpError(500, 'InternalServerError'),
    );

    const response = await world.deliver();

    expect(response).toMatchObject({
      hookStatus: 'Failed',
      error: { name: 'InternalServerError' },
    });
    expect(statuses()).toEqual(['Failed']);
    expect(world.framesPerConnection()).toEqual([]);
  });
});

describe('reportHookStatus', () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {} };

  it('checks its options once, when the handler is built', () => {
    const reporter = { report: async () => {} };
    const executions = () => new InMemoryHookExecutions();
    expect(() =>
      reportHookStatus({ kind: 'resume', reporter: {} as never, logger, executions }),
    ).toThrow(/reporter to be a HookReporter/);
    expect(() =>
      reportHookStatus({ kind: 'restart' as never, reporter, logger, executions }),
    ).toThrow(/kind to be one of suspend, resume, got restart/);
    expect(() =>
      reportHookStatus({ kind: 'resume', reporter, logger, executions: undefined as never }),
    ).toThrow(/executions to be a function/);
  });
});

describe('a run that nears its deadline, through the handler', () => {
  it('hands over to a new invocation, which reports the hook once, at the end', async () => {
    // Prepare: 2,000 suspended connections; the first invocation has about 200 ms before its
    // dispatch margin, the next one all the time it needs.
    const all = targets(2_000);
    const resumed = new Set<string>();
    const events: unknown[] = [];
    const dependencies: RunDependencies = {
      ...inMemoryDependencies(),
      poster: new ScriptedPoster(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }),
      storeFor: () => {
        const store = new InMemoryStore(all.filter((target) => !resumed.has(target.connectionId)));
        store.writeFate = (result) => {
          resumed.add(result.target.connectionId);
          return 'written';
        };
        return store;
      },
      invoker: {
        invokeAsync: async (functionName, payload) => {
          expect(functionName).toBe('ws-channels-test-resume');
          events.push(payload);
        },
      },
    };
    const handler = handlerWith(() => dependencies);
    const startedAt = Date.now();
    const nearDeadline = {
      ...context(),
      getRemainingTimeInMillis: () => 10_600 - (Date.now() - startedAt),
    } as Context;

    // Act
    const first = await handler(hookEvent, nearDeadline);
    const handOver = events[0];
    const last = await handler(JSON.parse(JSON.stringify(handOver)), context());
    const repeat = await handler(JSON.parse(JSON.stringify(handOver)), context());

    // Assess
    expect(first).toMatchObject({ state: 'handed_over', hookStatus: 'Succeeded' });
    expect(events).toHaveLength(1);
    expect(last).toMatchObject({
      state: 'completed',
      outcome: 'ok',
      counts: { total: 2_000, delivered: 2_000 },
    });
    expect(repeat).toMatchObject({ state: 'completed' });
    expect(resumed.size).toBe(2_000);
    expect(statusCalls()).toEqual([
      { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-1', status: 'Succeeded' },
    ]);
  });
});

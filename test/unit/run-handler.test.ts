import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CodeDeployHookReporter } from '../../functions/lib/aws/codedeploy-reporter.js';
import { readRunConfig } from '../../functions/lib/config.js';
import type { ChannelStore } from '../../functions/lib/core/ports.js';
import { reportHookStatus } from '../../functions/lib/report-hook-status.js';
import { type RunDependencies, runEventHandler } from '../../functions/lib/run-handler.js';
import {
  httpError,
  InMemoryRunLease,
  InMemoryRunRecords,
  InMemoryStore,
  ScriptedPoster,
  targets,
} from '../support/fakes.js';

const hookEvent = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'hook-1' };

const config = readRunConfig({
  CONNECTIONS_TABLE: 'connections',
  RUNS_TABLE: 'runs',
  WEBSOCKET_ENDPOINT: 'http://localhost:3001',
  POST_TIMEOUT_MS: '100',
});

function context(remainingMs = 600_000): Context {
  return {
    functionName: 'ws-channels-test-resume',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

describe('the suspend/resume handler and CodeDeploy', () => {
  const codeDeploy = mockClient(CodeDeployClient);
  let client: CodeDeployClient;

  beforeEach(() => {
    codeDeploy.reset();
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    client = new CodeDeployClient({ region: 'us-east-1' });
  });
  afterEach(() => client.destroy());

  const handlerWith = (parts: Partial<RunDependencies> | (() => RunDependencies)) =>
    runEventHandler({
      kind: 'resume',
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: false,
      reporter: new CodeDeployHookReporter({ client }),
      dependencies:
        typeof parts === 'function'
          ? parts
          : () => ({
              config,
              poster: new ScriptedPoster(),
              lease: new InMemoryRunLease(),
              records: new InMemoryRunRecords(),
              storeFor: () => new InMemoryStore(targets(5)),
              ...parts,
            }),
    });

  const statusCalls = () =>
    codeDeploy
      .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
      .map((call) => call.args[0].input);

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

    const response = await handlerWith({ poster, config: { ...config, failOnErrorRatio: 0.1 } })(
      hookEvent,
      context(),
    );

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
      dependencies: () => ({
        config,
        poster: new ScriptedPoster(),
        lease: new InMemoryRunLease(),
        records: new InMemoryRunRecords(),
        storeFor: () => new InMemoryStore(targets(5)),
      }),
    });

    await handler(hookEvent, context());

    expect(added).toHaveBeenCalledWith('delivered', MetricUnit.Count, 5);
    expect(added).toHaveBeenCalledWith('gone', MetricUnit.Count, 0);
    expect(published).toHaveBeenCalledTimes(1);
  });
});

describe('reportHookStatus', () => {
  const logger = { debug() {}, info() {}, warn() {}, error() {} };

  it('checks its options once, when the handler is built', () => {
    expect(() => reportHookStatus({ kind: 'resume', reporter: {} as never, logger })).toThrow(
      /reporter to be a HookReporter/,
    );
    expect(() =>
      reportHookStatus({ kind: 'restart' as never, reporter: { report: async () => {} }, logger }),
    ).toThrow(/kind to be one of suspend, resume, got restart/);
  });
});

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { CodeDeployHookReporter } from '../../../functions/aws/codedeploy-reporter.js';
import { readRunConfig } from '../../../functions/config/read-config.js';
import type { ChannelStore } from '../../../functions/core/ports.js';
import { type RunDependencies, runEventHandler } from '../../../functions/handlers/run-handler.js';
import { httpError, InMemoryStore, ScriptedPoster, targets } from '../../support/fakes.js';
import {
  codeDeploy,
  codeDeployClient,
  context,
  handlerWith,
  hookEvent,
  inMemoryDependencies,
  settings,
  statusCalls,
  useMockedCodeDeploy,
} from '../../support/run-handler-setup.js';

useMockedCodeDeploy();

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
      reporter: new CodeDeployHookReporter({ client: codeDeployClient() }),
      dependencies: inMemoryDependencies,
    });

    await handler(hookEvent, context());

    expect(added).toHaveBeenCalledWith('delivered', MetricUnit.Count, 5);
    expect(added).toHaveBeenCalledWith('gone', MetricUnit.Count, 0);
    expect(published).toHaveBeenCalledTimes(1);
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

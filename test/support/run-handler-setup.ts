import { Logger } from '@aws-lambda-powertools/logger';
import {
  CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach } from 'vitest';
import { CodeDeployHookReporter } from '../../functions/aws/codedeploy-reporter.js';
import { readRunConfig, runSettingsOf } from '../../functions/config/read-config.js';
import { type RunDependencies, runEventHandler } from '../../functions/handlers/run-handler.js';
import {
  InMemoryRunLease,
  InMemoryRunRecords,
  InMemoryStore,
  ScriptedPoster,
  targets,
} from './fakes.js';
import { InMemoryHookExecutions } from './hook-executions.js';

// The suspend/resume handler as its tests build it: fakes for the run's dependencies, and the
// real CodeDeploy SDK client answered by aws-sdk-client-mock.

export const hookEvent = { DeploymentId: 'd-ABC123', LifecycleEventHookExecutionId: 'hook-1' };

export const settings = runSettingsOf(
  readRunConfig({
    CONNECTIONS_TABLE: 'connections',
    RUNS_TABLE: 'runs',
    WEBSOCKET_ENDPOINT: 'http://localhost:3001',
    POST_TIMEOUT_MS: '100',
  }),
);

export function context(remainingMs = 600_000): Context {
  return {
    functionName: 'ws-channels-test-resume',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

// CodeDeploy as the SDK client sees it: every status call answered 200 unless a test says otherwise.
export const codeDeploy = mockClient(CodeDeployClient);
let client: CodeDeployClient;
/** The CodeDeploy client of the test that runs now (made afresh by useMockedCodeDeploy). */
export const codeDeployClient = () => client;

/** Registers, in the calling test file, a fresh CodeDeploy mock and client around each test. */
export function useMockedCodeDeploy(): void {
  beforeEach(() => {
    codeDeploy.reset();
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    client = new CodeDeployClient({ region: 'us-east-1' });
  });
  afterEach(() => client.destroy());
}

/** A run's dependencies, all in memory: five connections that each take the frame. */
export const inMemoryDependencies = (): RunDependencies => ({
  settings,
  poster: new ScriptedPoster(),
  lease: new InMemoryRunLease(),
  records: new InMemoryRunRecords(),
  hookExecutions: new InMemoryHookExecutions(),
  storeFor: () => new InMemoryStore(targets(5)),
});

export const handlerWith = (
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

export const statusCalls = () =>
  codeDeploy
    .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
    .map((call) => call.args[0].input);

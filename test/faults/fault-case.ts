import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClientFrom } from '../../functions/aws/dynamodb.js';
import {
  type CodeDeployEmulator,
  type CodeDeployEmulatorOptions,
  startCodeDeployEmulator,
} from '../support/codedeploy-emulator.js';
import {
  type DynamoDBFaultProxy,
  type DynamoDBFaultRule,
  startDynamoDBFaultProxy,
} from '../support/dynamodb-fault-proxy.js';
import { startLambdaEmulator } from '../support/lambda-emulator.js';
import {
  type Behaviour,
  type BehaviourMix,
  behaviourFromMix,
} from '../support/management-api-behaviours.js';
import {
  type ManagementApiEmulator,
  type ManagementApiEmulatorOptions,
  startManagementApiEmulator,
} from '../support/management-api-emulator.js';
import {
  type RunKind,
  type RunProcessExit,
  runEnvironment,
  startRunProcess,
} from '../support/run-process.js';
import { seedConnections, suspendedItem } from '../support/seed.js';
import {
  createTestTables,
  deleteTestTables,
  type TestTables,
  testClient,
} from '../support/tables.js';
import { checkInvariant, type InvariantReport } from './invariant.js';

// One case of the fault suite: set up (a seeded mix of Management API answers, proxy rules in
// front of DynamoDB Local), run (the deployed handler in a child process, once per event),
// check the invariant and the case's own expectations. Adding a case is adding a FaultCase to
// cases.ts.

export interface FaultCase {
  name: string;
  kind: RunKind;
  /** Connections seeded in the state the kind handles (resume: suspended; suspend: active). */
  connections: number;
  /** Seed of the per-id mix. */
  seed: number;
  /** Fractions of ids answered otherwise than 200 (see management-api-behaviours.ts). */
  mix?: BehaviourMix;
  /** Latency, lateness and storms of the Management API emulator. */
  emulator?: Pick<ManagementApiEmulatorOptions, 'latencyMs' | 'lateMs' | 'storm'>;
  /** Faults between the run and DynamoDB Local. */
  proxyRules?: readonly DynamoDBFaultRule[];
  /** The run's environment beyond the parts: POST_TIMEOUT_MS, CONCURRENCY... */
  settings?: Record<string, string>;
  /** One run per event, in order; by default one manual run (`{}`). Hook events are checked. */
  events?: readonly unknown[];
  /** Replaces the runs of `events`: kill a run, start another... */
  run?: (context: CaseContext) => Promise<void>;
  /** The case's own expectations beyond the invariant, as problems in words. */
  expect?: (outcome: CaseOutcome) => string[];
  /** Longest a run may take before it is killed and the case fails; 60 s by default. */
  runTimeoutMs?: number;
  /** SUSPEND_SHARDS when the seeded connections were suspended; by default the run's setting. */
  seedShards?: number;
  /** What each run's context.getRemainingTimeInMillis() starts from; 900,000 by default. */
  lambdaTimeoutMs?: number;
  /** How the CodeDeploy emulator answers (dropped answers, failures). */
  codeDeploy?: CodeDeployEmulatorOptions;
  /**
   * Runs hand over to a new invocation through the Lambda emulator: each asynchronous invoke
   * starts the handler again in a process of its own, with the hand-over event.
   */
  selfInvoke?: boolean;
  /**
   * A run is killed mid-way: a client whose frame went out before the kill, but whose result
   * was not yet written, gets it again from the next run. Allowed, and reported.
   */
  atLeastOnce?: boolean;
}

export interface CaseContext {
  env: Record<string, string>;
  emulator: ManagementApiEmulator;
  proxy: DynamoDBFaultProxy;
  codeDeploy: CodeDeployEmulator;
  documentClient: DynamoDBDocumentClient;
  tables: TestTables;
  connectionIds: readonly string[];
  behaviourOf: (connectionId: string) => Behaviour;
  /** Runs the handler once in a child process; its exit is kept for the outcome. */
  runOnce(event?: unknown): Promise<RunProcessExit>;
  /** Every run's exit, in order (a case's own `run` may push killed ones). */
  runs: RunProcessExit[];
}

export interface CaseOutcome {
  name: string;
  invariant: InvariantReport;
  runs: RunProcessExit[];
  connectionIds: readonly string[];
  behaviourOf: (connectionId: string) => Behaviour;
  /** Fault answers of the emulator plus faults the proxy injected. */
  faultsInjected: number;
  /** The invariant's problems, the runs that crashed, and the case's own; empty: it passed. */
  problems: string[];
}

export const hookEvent = (hookId: string, deploymentId = 'd-FAULTS') => ({
  DeploymentId: deploymentId,
  LifecycleEventHookExecutionId: hookId,
});

export async function runFaultCase(
  faultCase: FaultCase,
  dynamodbEndpoint: string,
): Promise<CaseOutcome> {
  const client = testClient(dynamodbEndpoint);
  const documentClient = documentClientFrom({ client });
  const stops: Array<() => Promise<unknown>> = [async () => client.destroy()];
  try {
    const tables = await createTestTables(client);
    stops.unshift(() => deleteTestTables(client, tables));
    const connectionIds = Array.from(
      { length: faultCase.connections },
      (_, index) => `${faultCase.kind}-${index}=`,
    );
    await seedConnections(
      client,
      tables.connectionsTable,
      connectionIds.map((connectionId) =>
        faultCase.kind === 'resume'
          ? suspendedItem(
              connectionId,
              'suspend-before',
              faultCase.seedShards ?? Number(faultCase.settings?.SUSPEND_SHARDS ?? 16),
            )
          : { connectionId, status: 'active' as const },
      ),
    );
    const behaviourOf = behaviourFromMix(faultCase.mix ?? {}, faultCase.seed);
    const emulator = await startManagementApiEmulator({
      ...faultCase.emulator,
      behaviourOf,
      recordFrames: true,
    });
    stops.unshift(() => emulator.stop());
    const proxy = await startDynamoDBFaultProxy({
      upstream: dynamodbEndpoint,
      rules: faultCase.proxyRules,
    });
    stops.unshift(() => proxy.stop());
    const codeDeploy = await startCodeDeployEmulator(faultCase.codeDeploy);
    stops.unshift(() => codeDeploy.stop());
    // Parts a run handed over to, started by the Lambda emulator, until each has ended.
    const handedOver = new Set<Promise<unknown>>();
    let runOnceLater: (event: unknown) => Promise<unknown> = async () => undefined;
    const lambda = faultCase.selfInvoke
      ? await startLambdaEmulator({
          onEvent: (invocation) => {
            const next = runOnceLater(invocation.payload).finally(() => handedOver.delete(next));
            handedOver.add(next);
          },
        })
      : undefined;
    if (lambda) stops.unshift(() => lambda.stop());

    const env = runEnvironment({
      tables,
      dynamodbEndpoint: proxy.endpoint,
      managementApiEndpoint: emulator.endpoint,
      codeDeployEndpoint: codeDeploy.endpoint,
      ...(lambda ? { lambdaEndpoint: lambda.endpoint } : {}),
      settings: faultCase.settings,
    });
    const runs: RunProcessExit[] = [];
    const runOnce = async (event: unknown = {}) => {
      const run = startRunProcess({
        kind: faultCase.kind,
        env,
        event,
        ...(faultCase.lambdaTimeoutMs ? { lambdaTimeoutMs: faultCase.lambdaTimeoutMs } : {}),
      });
      const timer = setTimeout(() => void run.kill(), faultCase.runTimeoutMs ?? 60_000);
      try {
        const exit = await run.exited;
        runs.push(exit);
        return exit;
      } finally {
        clearTimeout(timer);
        await run.kill();
      }
    };
    const context: CaseContext = {
      env,
      emulator,
      proxy,
      codeDeploy,
      documentClient,
      tables,
      connectionIds,
      behaviourOf,
      runOnce,
      runs,
    };
    runOnceLater = runOnce;
    const events = faultCase.events ?? [{}];
    if (faultCase.run) await faultCase.run(context);
    else for (const event of events) await runOnce(event);
    // Bounded: each invocation ends within its own run timeout, and a run has a few at most.
    for (let round = 0; round < 50 && handedOver.size > 0; round++) {
      await Promise.all(handedOver);
    }

    const hookIds = events.flatMap((event) => {
      const hookId = (event as { LifecycleEventHookExecutionId?: unknown })
        .LifecycleEventHookExecutionId;
      return typeof hookId === 'string' ? [hookId] : [];
    });
    const invariant = await checkInvariant({
      kind: faultCase.kind,
      documentClient,
      tables,
      connectionIds,
      framesTo: emulator.framesTo,
      behaviourOf,
      codeDeploy,
      hookIds: [...new Set(hookIds)],
      // What the runs' records counted as not written or not reached: those connections are
      // in their old state for a counted reason (the next run reaches them).
      ...(await countedInRunRecords(documentClient, tables)),
      atLeastOnce: faultCase.atLeastOnce ?? false,
    });
    const faultsInjected =
      Object.values(emulator.faults()).reduce((sum, count) => sum + (count ?? 0), 0) +
      proxy.stats().injectedTotal;
    const outcome: CaseOutcome = {
      name: faultCase.name,
      invariant,
      runs,
      connectionIds,
      behaviourOf,
      faultsInjected,
      problems: [...invariant.problems],
    };
    for (const [index, run] of runs.entries()) {
      if (run.summary === undefined && run.error === undefined && run.signal !== 'SIGKILL') {
        outcome.problems.push(
          `run ${index + 1} crashed (code ${run.code}, signal ${run.signal}): ${run.stderr.slice(-500)}`,
        );
      }
    }
    outcome.problems.push(...(faultCase.expect?.(outcome) ?? []));
    return outcome;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** The sums of counts.unrecorded and counts.remaining over every run record of the case. */
async function countedInRunRecords(documentClient: DynamoDBDocumentClient, tables: TestTables) {
  const output = await documentClient.send(new ScanCommand({ TableName: tables.runsTable }));
  let unrecordedCounted = 0;
  let remainingCounted = 0;
  for (const item of output.Items ?? []) {
    const counts = item.counts as { unrecorded?: number; remaining?: number } | undefined;
    unrecordedCounted += Number(counts?.unrecorded ?? 0);
    remainingCounted += Number(counts?.remaining ?? 0);
  }
  return { unrecordedCounted, remainingCounted };
}

/** Ids whose emulator behaviour is one of these. */
export function idsWith(
  outcome: Pick<CaseOutcome, 'connectionIds' | 'behaviourOf'>,
  ...behaviours: Behaviour[]
) {
  return outcome.connectionIds.filter((id) => behaviours.includes(outcome.behaviourOf(id)));
}

/** A problem when `actual` is not `expected`. */
export function expectEqual(what: string, actual: unknown, expected: unknown): string[] {
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? []
    : [`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

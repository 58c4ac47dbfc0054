import { Logger } from '@aws-lambda-powertools/logger';
import {
  LifecycleEventAlreadyCompletedException,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { describe, expect, it, vi } from 'vitest';
import { InvalidEventError } from '../../../functions/core/errors.js';
import { claimTtlMs } from '../../../functions/middleware/hook-heartbeat.js';
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
import {
  codeDeploy,
  context,
  handlerWith,
  hookEvent,
  settings,
  statusCalls,
  useMockedCodeDeploy,
} from '../../support/run-handler-setup.js';

// The CodeDeploy report (report-hook-status.ts) through the handler it wraps: one status per hook,
// however often Lambda delivers its event.

useMockedCodeDeploy();

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

  it("claims a hook for a heartbeat's time only, not for its Lambda's whole time", async () => {
    const world = sharedWorld();
    const claim = vi.spyOn(world.hookExecutions, 'claim');

    const before = Date.now();
    await world.deliver();

    // The context gives the invocation 10 minutes; a crash must not hold the hook that long.
    const claimedUntil = claim.mock.calls[0]?.[1].inProgressUntil ?? 0;
    expect(claimTtlMs).toBeLessThanOrEqual(30_000);
    expect(claimedUntil).toBeGreaterThanOrEqual(before + claimTtlMs);
    expect(claimedUntil).toBeLessThanOrEqual(Date.now() + claimTtlMs);
    expect(statuses()).toEqual(['Succeeded']);
  });

  it("takes over, on Lambda's retry a minute later, a hook whose first delivery died mid-run", async () => {
    // Prepare: the first delivery claimed the hook as a delivery does and died (no heartbeat).
    const world = sharedWorld();
    const hook = { deploymentId: 'd-ABC123', lifecycleEventHookExecutionId: 'hook-1' };
    await world.hookExecutions.claim(hook, {
      kind: 'resume',
      owner: 'a delivery that died',
      inProgressUntil: Date.now() + claimTtlMs,
    });
    const aMinuteLater = Date.now() + 60_000;
    Object.defineProperty(world.hookExecutions, 'now', { value: () => aMinuteLater });

    // Act
    const summary = await world.deliver();

    // Assess
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

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { windowId } from '../../functions/aws/deployment-window.js';
import { emptyCounts } from '../../functions/core/run/outcome.js';
import { expireHookClaim, expireLease, runUntilKilled } from '../support/run-process.js';
import { type CaseContext, expectEqual, type FaultCase, hookEvent, idsWith } from './fault-case.js';

// The cases of the fault suite (`npm run faults`, and test/integration/fault-suite.test.ts in
// `npm test`). Each passes on today's code; add a case here when its fix lands. The comment on
// a case says what it showed before its fix.

/** The summary a case's run returned (the last run's, by default). */
const summaryOf = (
  outcome: { runs: readonly { summary?: Record<string, unknown> }[] },
  index = -1,
) => outcome.runs.at(index)?.summary ?? {};

/** EventBridge's state change of a CodeDeploy deployment, as the rule sends it to resume. */
const deploymentStateChange = (deploymentId: string, state: 'STOP' | 'FAILURE') => ({
  version: '0',
  source: 'aws.codedeploy',
  'detail-type': 'CodeDeploy Deployment State-change Notification',
  detail: { deploymentId, state, application: 'App', deploymentGroup: 'Group' },
});

/** The deployment window as the seeded connections' suspend left it: open, with these in it. */
async function openWindowWith(context: CaseContext, deployments: string[]): Promise<void> {
  await context.documentClient.send(
    new PutCommand({
      TableName: context.tables.runsTable,
      Item: {
        runId: windowId,
        windowId: 'w-before',
        openedBy: 'suspend-before',
        openUntil: Date.now() + 10 * 60_000,
        deployments: new Set(deployments),
      },
    }),
  );
}

export const faultCases: readonly FaultCase[] = [
  {
    name: '410 gone mid-run',
    kind: 'resume',
    connections: 300,
    seed: 1,
    mix: { gone: 0.1, goneEmpty: 0.05 },
    emulator: { latencyMs: 5 },
    events: [hookEvent('hook-gone')],
    expect: (outcome) =>
      expectEqual(
        'deleted (the gone ones)',
        outcome.invariant.counts.deleted,
        idsWith(outcome, 'gone', 'goneEmpty').length,
      ).concat(
        expectEqual('statuses', outcome.invariant.statusesPerHook, { 'hook-gone': ['Succeeded'] }),
      ),
  },
  {
    name: 'posts that hang',
    kind: 'resume',
    connections: 200,
    seed: 2,
    mix: { hang: 0.05 },
    settings: { POST_TIMEOUT_MS: '300' },
    events: [hookEvent('hook-hang')],
    expect: (outcome) => {
      const hung = new Set(idsWith(outcome, 'hang'));
      const left = outcome.invariant.notDone.filter((verdict) => verdict.fate === 'left');
      return expectEqual(
        'left, suspended with a timeout as lastError',
        left.filter(
          (verdict) => hung.has(verdict.connectionId) && /^timedOut/.test(verdict.reason ?? ''),
        ).length,
        hung.size,
      ).concat(
        // On a loaded machine a post can also answer just after its timeout: left the same way.
        expectEqual(
          'left for another reason than a timeout',
          left.filter((verdict) => !/^timedOut/.test(verdict.reason ?? '')),
          [],
        ),
      );
    },
  },
  {
    name: 'DynamoDB throttles 10% of result statements',
    kind: 'resume',
    connections: 300,
    seed: 3,
    proxyRules: [
      {
        operations: ['BatchExecuteStatement'],
        kind: 'statementErrors',
        share: { fraction: 0.1, seed: 3 },
        statementCode: 'ProvisionedThroughputExceeded',
      },
    ],
    events: [hookEvent('hook-statements')],
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, outcome.connectionIds.length),
  },
  {
    name: 'throttle storm of 1 s',
    kind: 'resume',
    connections: 200,
    seed: 4,
    emulator: { latencyMs: 5, storm: { durationMs: 1_000 } },
    events: [hookEvent('hook-storm')],
    // Today's backoff (3 retries, at most 350 ms) does not outlast the storm: the posts it gives
    // up on are left suspended as throttled, for the next resume. When a fix outlasts it, every
    // connection is done and this still holds.
    expect: (outcome) =>
      expectEqual(
        'not done, other than left as throttled',
        outcome.invariant.notDone.filter(
          (verdict) => verdict.fate !== 'left' || !/^throttled/.test(verdict.reason ?? ''),
        ),
        [],
      ),
  },
  {
    // Before: the ceilings were 50, 100 and 200 ms, so a post gave up after about 0.35 s; a 3 s
    // storm left 49 to 79 % of 1,000 connections throttled, and the hook said Succeeded.
    name: 'throttle storm of 3 s',
    kind: 'resume',
    connections: 300,
    seed: 5,
    emulator: { latencyMs: 5, storm: { durationMs: 3_000 } },
    events: [hookEvent('hook-storm-3s')],
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, outcome.connectionIds.length),
  },
  {
    // Before: with every result write failing, the run said ok, "300 of 300 connections
    // resumed", and CodeDeploy got Succeeded, while all 300 stayed suspended.
    name: 'every result write fails (throttled until the deadline)',
    kind: 'resume',
    connections: 300,
    seed: 6,
    lambdaTimeoutMs: 25_000,
    settings: { FAIL_ON_ERROR_RATIO: '0.05' },
    proxyRules: [
      {
        operations: ['BatchExecuteStatement'],
        kind: 'statementErrors',
        share: { all: true },
        statementCode: 'ProvisionedThroughputExceeded',
      },
    ],
    events: [hookEvent('hook-lost-writes')],
    expect: (outcome) => {
      const summary = summaryOf(outcome);
      return expectEqual('counts', summary.counts, {
        ...emptyCounts(),
        total: 300,
        unrecorded: 300,
      })
        .concat(expectEqual('outcome', summary.outcome, 'errors'))
        .concat(
          expectEqual('statuses', outcome.invariant.statusesPerHook, {
            'hook-lost-writes': ['Failed'],
          }),
        );
    },
  },
  {
    // Before: marking dropped any statement error but a failed condition, and the total was
    // reset to what was attempted: "40 of 40 connections suspended", ok, Succeeded, for 50.
    name: 'suspend: DynamoDB throttles 1 in 5 marking statements',
    kind: 'suspend',
    connections: 50,
    seed: 7,
    proxyRules: [
      {
        operations: ['BatchExecuteStatement'],
        kind: 'statementErrors',
        share: { every: 5 },
        statementCode: 'ProvisionedThroughputExceeded',
      },
    ],
    events: [hookEvent('hook-marks')],
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 50).concat(
        expectEqual('counts', summaryOf(outcome).counts, {
          ...emptyCounts(),
          total: 50,
          delivered: 50,
        }),
      ),
  },
  {
    // Before: a failed page read rejected the whole run while other workers still posted; 384
    // posts were in flight after the handler returned, and 9 clients that got the frame stayed
    // suspended. Now the run stops dispatching, lets every post settle and be written, then fails.
    name: 'a page read fails mid-run',
    kind: 'resume',
    connections: 2_500,
    seed: 8,
    emulator: { latencyMs: 20 },
    settings: { SUSPEND_SHARDS: '1' },
    run: async (context) => {
      const run = context.runOnce(hookEvent('hook-read-fails'));
      for (let poll = 0; poll < 3_000 && context.emulator.stats().totalPosts < 300; poll++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      context.proxy.setRules([
        { operations: ['Query'], kind: 'internalServerError', share: { all: true } },
      ]);
      await run;
    },
    expect: (outcome) =>
      expectEqual('hook status', outcome.invariant.statusesPerHook, {
        'hook-read-fails': ['Failed'],
      }).concat(
        expectEqual(
          'left untouched, counted as not reached',
          outcome.invariant.notDone.filter((verdict) => /^not reached/.test(verdict.reason ?? ''))
            .length,
          outcome.connectionIds.length - outcome.invariant.counts.done,
        ),
      ),
  },
  {
    // Before: the second delivery lost the lease and reported Failed (the deployment rolled back).
    name: 'hook delivered twice at once',
    kind: 'resume',
    connections: 200,
    seed: 9,
    emulator: { latencyMs: 10 },
    run: async (context) => {
      await Promise.all([
        context.runOnce(hookEvent('hook-twice-at-once')),
        context.runOnce(hookEvent('hook-twice-at-once')),
      ]);
    },
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 200).concat(
        expectEqual('statuses', outcome.invariant.statusesPerHook, {
          'hook-twice-at-once': ['Succeeded'],
        }),
      ),
  },
  {
    // Before: the report's answer was lost, the SDK's retry got AlreadyCompleted, the invocation
    // failed, and Lambda ran the whole resume again minutes later.
    name: "hook's answer lost, then delivered again",
    kind: 'resume',
    connections: 200,
    seed: 10,
    codeDeploy: { dropAnswers: 1 },
    events: [hookEvent('hook-answer-lost'), hookEvent('hook-answer-lost')],
    // The SDK's own retry of the lost answer is refused (the status is in); the second
    // delivery finds the hook reported and calls CodeDeploy no more.
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 200).concat(
        expectEqual('statuses', outcome.invariant.statusesPerHook, {
          'hook-answer-lost': ['Succeeded', 'Succeeded (LifecycleEventAlreadyCompletedException)'],
        }),
      ),
  },
  {
    // A run killed with SIGKILL after 150 posts, its lease aged past its expiry, and the hook
    // delivered again (Lambda's retry). Frames that went out before the kill but whose results
    // were not written are sent again: at-least-once, allowed and reported.
    name: 'run killed after 150 posts, then delivered again',
    kind: 'resume',
    connections: 400,
    seed: 11,
    emulator: { latencyMs: 10 },
    atLeastOnce: true,
    events: [hookEvent('hook-killed')],
    run: async (context) => {
      const killed = await runUntilKilled({
        kind: 'resume',
        env: context.env,
        event: hookEvent('hook-killed'),
        k: 150,
        posts: () => context.emulator.stats().totalPosts,
      });
      context.runs.push(killed.exit);
      // As if the killed invocation's time had run out, before Lambda's retry comes.
      await expireLease(context.documentClient, context.tables);
      await expireHookClaim(context.documentClient, context.tables, {
        deploymentId: 'd-FAULTS',
        lifecycleEventHookExecutionId: 'hook-killed',
      });
      await context.runOnce(hookEvent('hook-killed'));
    },
    expect: (outcome) =>
      expectEqual('lost', outcome.invariant.counts.lost, 0).concat(
        expectEqual('stuck', outcome.invariant.counts.stuck, 0),
      ),
  },
  {
    // Before: lowering SUSPEND_SHARDS while connections were suspended stranded those in the
    // shards past the new setting, and resume said ok.
    name: 'SUSPEND_SHARDS lowered from 16 to 4 while suspended',
    kind: 'resume',
    connections: 300,
    seed: 12,
    seedShards: 16,
    settings: { SUSPEND_SHARDS: '4' },
    events: [hookEvent('hook-shards')],
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, outcome.connectionIds.length),
  },
  {
    // Before: a failed BeforeAllowTraffic left every client it had suspended waiting for an
    // AfterAllowTraffic that CodeDeploy never calls.
    name: 'suspend fails (FAIL_ON_ERROR_RATIO): it resumes what it suspended',
    kind: 'suspend',
    connections: 200,
    seed: 13,
    mix: { error: 0.2 },
    settings: { FAIL_ON_ERROR_RATIO: '0.05' },
    events: [hookEvent('hook-undo')],
    expect: (outcome) =>
      expectEqual('statuses', outcome.invariant.statusesPerHook, { 'hook-undo': ['Failed'] })
        .concat(expectEqual('done (still suspended)', outcome.invariant.counts.done, 0))
        .concat(
          expectEqual(
            'left, undone',
            outcome.invariant.notDone.filter(
              (verdict) => verdict.reason === 'suspend failed; resumed by its undo',
            ).length,
            200 - idsWith(outcome, 'error').length,
          ),
        ),
  },
  {
    // Before: a resume that ran out of time (the Lambda's deadline, here with a rate cap) said
    // incomplete and Succeeded, leaving suspended the clients it could have reached. Now each
    // invocation hands the run over to a new one near its deadline; the last one reports, once.
    name: 'resume outlasts its Lambda (rate cap): hands over, reports once',
    kind: 'resume',
    connections: 800,
    seed: 14,
    selfInvoke: true,
    lambdaTimeoutMs: 20_000,
    settings: { MAX_POSTS_PER_SECOND: '100' },
    events: [hookEvent('hook-hand-over')],
    runTimeoutMs: 40_000,
    expect: (outcome) =>
      expectEqual(
        'done or left with a reason',
        outcome.invariant.counts.done + outcome.invariant.counts.left,
        800,
      )
        .concat(
          expectEqual('statuses', outcome.invariant.statusesPerHook, {
            'hook-hand-over': ['Succeeded'],
          }),
        )
        .concat(expectEqual('last invocation', summaryOf(outcome).state, 'completed'))
        .concat(
          expectEqual(
            'invocations before the last handed over',
            outcome.runs.length > 1 &&
              outcome.runs.slice(0, -1).every((run) => run.summary?.state === 'handed_over'),
            true,
          ),
        ),
  },
  {
    // Suspend goes on in the same way: the invocation it is handed over to marks and tells what
    // is not yet suspended in its deployment window, under the same run id.
    name: 'suspend outlasts its Lambda (rate cap): hands over, reports once',
    kind: 'suspend',
    connections: 800,
    seed: 15,
    selfInvoke: true,
    lambdaTimeoutMs: 20_000,
    settings: { MAX_POSTS_PER_SECOND: '100' },
    events: [hookEvent('hook-suspend-hand-over')],
    runTimeoutMs: 40_000,
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 800)
        .concat(
          expectEqual('statuses', outcome.invariant.statusesPerHook, {
            'hook-suspend-hand-over': ['Succeeded'],
          }),
        )
        .concat(
          expectEqual(
            'runs',
            outcome.runs.map((run) => run.summary?.state),
            ['handed_over', 'completed'],
          ),
        ),
  },
  {
    // Before: a suspend whose posts were refused (403) failed and reported Failed, but left the
    // connections it had marked suspended in the registry, though none was told (369 to 380 of
    // 1,500): the next deployment's suspend then skipped those live clients.
    name: 'suspend refused (403): what it marked goes back as it was',
    kind: 'suspend',
    connections: 300,
    seed: 16,
    mix: { forbidden: 1 },
    events: [hookEvent('hook-refused')],
    expect: (outcome) =>
      expectEqual('statuses', outcome.invariant.statusesPerHook, { 'hook-refused': ['Failed'] })
        .concat(expectEqual('done', outcome.invariant.counts.done, 0))
        .concat(
          expectEqual(
            'suspended in the registry',
            outcome.invariant.notDone.filter((verdict) => verdict.state === 'suspended').length,
            0,
          ),
        ),
  },
  {
    // Before: a deployment stopped after its BeforeAllowTraffic (a canary's alarm, a failed
    // shift, a stop by hand) never called AfterAllowTraffic: its clients stayed suspended until
    // their resumeBy. Now EventBridge's state change (STOP) goes to resume.
    name: 'deployment stopped after its suspend: EventBridge STOP resumes its clients',
    kind: 'resume',
    connections: 300,
    seed: 17,
    run: async (context) => {
      await openWindowWith(context, ['d-STOPPED']);
      context.codeDeploy.setDeploymentStatus('d-STOPPED', 'Stopped');
      await context.runOnce(deploymentStateChange('d-STOPPED', 'STOP'));
    },
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 300).concat(
        expectEqual('trigger', summaryOf(outcome).trigger, 'deployment_ended'),
      ),
  },
  {
    // Before: the next deployment's resume treated the stopped one, left in the deployment
    // window, as a sibling still shifting, and resumed nobody (300 of 300 left suspended).
    name: "the next deployment's resume does not wait for a stopped one",
    kind: 'resume',
    connections: 300,
    seed: 18,
    events: [hookEvent('hook-after-stop')],
    run: async (context) => {
      await openWindowWith(context, ['d-DEAD', 'd-FAULTS']);
      context.codeDeploy.setDeploymentStatus('d-DEAD', 'Stopped');
      context.codeDeploy.setDeploymentStatus('d-FAULTS', 'InProgress');
      await context.runOnce(hookEvent('hook-after-stop'));
    },
    expect: (outcome) =>
      expectEqual('done', outcome.invariant.counts.done, 300).concat(
        expectEqual('statuses', outcome.invariant.statusesPerHook, {
          'hook-after-stop': ['Succeeded'],
        }),
      ),
  },
  {
    // Before: the first delivery, killed outside middy after 150 of 1,000 posts, held its hook
    // until its Lambda's whole time was up; Lambda's retries a minute and three minutes later
    // each answered that another delivery was running, and the hook got no status. Now its claim
    // and lease live on a heartbeat: the retry a minute later takes the hook over.
    name: "first delivery killed outside middy; Lambda's retry a minute later takes over",
    kind: 'resume',
    connections: 1_000,
    seed: 19,
    emulator: { latencyMs: 10 },
    atLeastOnce: true,
    events: [hookEvent('hook-crashed')],
    runTimeoutMs: 120_000,
    run: async (context) => {
      const killed = await runUntilKilled({
        kind: 'resume',
        env: context.env,
        event: hookEvent('hook-crashed'),
        k: 150,
        posts: () => context.emulator.stats().totalPosts,
      });
      context.runs.push(killed.exit);
      // Nothing is aged by hand: Lambda retries the failed asynchronous event a minute later.
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      await context.runOnce(hookEvent('hook-crashed'));
    },
    expect: (outcome) =>
      expectEqual('statuses', outcome.invariant.statusesPerHook, {
        'hook-crashed': ['Succeeded'],
      }).concat(expectEqual('lost', outcome.invariant.counts.lost, 0)),
  },
  {
    // Before: the undo of a failed suspend kept the suspend's hand-over: run out of time, its
    // next invocation was invoked on the suspend function with no kind, and ran as a suspend (a
    // client got suspend, resume, suspend; 14 of 20 never resumed under an undo that said ok).
    name: "a failed suspend's undo outlasts its Lambda: it hands over as an undo",
    kind: 'suspend',
    connections: 800,
    seed: 20,
    mix: { error: 0.2 },
    selfInvoke: true,
    lambdaTimeoutMs: 20_000,
    settings: { MAX_POSTS_PER_SECOND: '100', FAIL_ON_ERROR_RATIO: '0.05' },
    events: [hookEvent('hook-undo-hand-over')],
    runTimeoutMs: 120_000,
    expect: (outcome) =>
      expectEqual('statuses', outcome.invariant.statusesPerHook, {
        'hook-undo-hand-over': ['Failed'],
      })
        .concat(expectEqual('done (still suspended)', outcome.invariant.counts.done, 0))
        .concat(
          expectEqual(
            'undo hand-overs',
            outcome.runs.some((run) => String(run.summary?.runId).endsWith('-undo')),
            true,
          ),
        ),
  },
];

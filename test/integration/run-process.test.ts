import { describe, expect, inject, it } from 'vitest';
import { type CaseContext, runFaultCase } from '../faults/fault-case.js';
import { expireLease, type KilledRun, runUntilKilled } from '../support/run-process.js';

// The killable run: the deployed resume handler in a child process, SIGKILLed once the
// Management API emulator has seen K posts, then run again. What the kill does to the clients
// is reported, not judged here: the point is that the machinery kills where it is told to and
// that the second run completes.

describe('a resume run killed with SIGKILL after K posts, then run again', () => {
  it('is killed after at least K posts, and the second run completes', async () => {
    const k = 60;
    let killed: KilledRun | undefined;
    const run = async (context: CaseContext) => {
      killed = await runUntilKilled({
        kind: 'resume',
        env: context.env,
        k,
        posts: () => context.emulator.stats().totalPosts,
        timeoutMs: 60_000,
      });
      context.runs.push(killed.exit);
      // The dead run's lease would hold the next one off for a minute past its Lambda timeout.
      await expireLease(context.documentClient, context.tables);
      await context.runOnce({});
    };
    const outcome = await runFaultCase(
      {
        name: 'killed after K posts',
        kind: 'resume',
        connections: 300,
        seed: 5,
        emulator: { latencyMs: 20 },
        settings: { CONCURRENCY: '10' },
        run,
      },
      inject('dynamodbEndpoint'),
    );

    expect(killed?.killed).toBe(true);
    expect(killed?.postsAtKill).toBeGreaterThanOrEqual(k);
    expect(killed?.exit).toMatchObject({ signal: 'SIGKILL' });
    expect(killed?.exit.summary).toBeUndefined();
    const second = outcome.runs[1];
    expect(second?.summary).toMatchObject({ kind: 'resume', state: 'completed' });

    // What the kill did, for the report: frames per client and what the registry says.
    const { counts, notDone } = outcome.invariant;
    const frames = { 0: 0, 1: 0, 2: 0 };
    for (const verdict of notDone) frames[Math.min(verdict.frames, 2) as 0 | 1 | 2]++;
    frames[1] += counts.done;
    const stillSuspended = notDone.filter((verdict) => verdict.state === 'suspended').length;
    console.info(
      `killed at ${killed?.postsAtKill} posts; clients with 0/1/2+ frames: ${frames[0]}/${frames[1]}/${frames[2]}; ` +
        `still suspended: ${stillSuspended}; fates: ${JSON.stringify(counts)}; second run: ${JSON.stringify(second?.summary?.counts)}`,
    );
    expect(frames[0] + frames[1] + frames[2]).toBe(300);
  });
});

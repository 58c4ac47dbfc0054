import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import { runChannels } from '../../../../functions/core/run/run-channels.js';
import { httpError, InMemoryStore, ScriptedPoster, targets } from '../../../support/fakes.js';

import { setup } from '../../../support/run-setup.js';

// A failed suspend resumes what it suspended before it reports Failed (undo.ts).

describe('runChannels (suspend) undone', () => {
  it('resumes what it suspended before it reports Failed (FAIL_ON_ERROR_RATIO exceeded)', async () => {
    // Prepare: 4 of 20 suspend posts fail with 500; the 20 are marked suspended all the same,
    // so the undo store lists them all.
    const suspendStore = new InMemoryStore(targets(20, null));
    const undoStore = new InMemoryStore(targets(20, 'suspend-test'));
    const failedOnce = new Set<string>();
    const { options, poster, records } = setup({
      kind: 'suspend',
      store: suspendStore,
      undoStore,
      newRunId: () => 'suspend-test',
      settings: {
        concurrency: 4,
        timeoutMs: 200,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: 0.1,
      },
      invocation: parseInvocation({ DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' }),
      // Only their suspend post fails; the resume that undoes it gets through.
      poster: new ScriptedPoster((id) => {
        if (['c1', 'c5', 'c9', 'c13'].includes(id) && !failedOnce.has(id)) {
          failedOnce.add(id);
          throw httpError(500);
        }
      }),
    });

    // Act
    const summary = await runChannels(options);

    // Assess
    expect(summary.hookStatus).toBe('Failed');
    expect(summary.undo).toMatchObject({
      runId: 'suspend-test-undo',
      outcome: 'ok',
      counts: { total: 20, delivered: 20 },
    });
    expect(summary.message).toMatch(
      /Resumed 20 of 20 suspended connections before reporting Failed\.$/,
    );
    const typesOf = (id: string) =>
      (poster.frames.get(id) ?? []).map((frame) => JSON.parse(frame).type);
    expect(typesOf('c0')).toEqual(['suspend', 'resume']);
    expect(typesOf('c1')).toEqual(['resume']);
    expect(undoStore.recorded).toHaveLength(20);
    expect(records.saved.get('suspend-test-undo')).toMatchObject({
      state: 'completed',
      kind: 'resume',
    });
  });

  it('resumes what it suspended before it reports a crash (a page read failed)', async () => {
    const undoStore = new InMemoryStore(targets(10, 'suspend-test'));
    const crashing: InMemoryStore = new InMemoryStore(targets(30, null));
    crashing.pages = async function* (run, session) {
      yield* new InMemoryStore(targets(10, null)).pages(run, session);
      throw new Error('the registry read failed');
    };
    const { options, poster } = setup({
      kind: 'suspend',
      store: crashing,
      undoStore,
      newRunId: () => 'suspend-test',
    });

    await expect(runChannels(options)).rejects.toThrow('the registry read failed');

    expect(undoStore.recorded).toHaveLength(10);
    for (let index = 0; index < 10; index++) {
      expect((poster.frames.get(`c${index}`) ?? []).map((frame) => JSON.parse(frame).type)).toEqual(
        ['suspend', 'resume'],
      );
    }
  });
});

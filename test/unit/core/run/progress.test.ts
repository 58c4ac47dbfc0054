import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import type { RunProgress, RunRecords } from '../../../../functions/core/ports.js';
import { emptyCounts } from '../../../../functions/core/run/outcome.js';
import { createProgressWriter } from '../../../../functions/core/run/progress.js';
import { runChannels } from '../../../../functions/core/run/run-channels.js';
import {
  InMemoryRunRecords,
  InMemoryStore,
  RecordingLogger,
  ScriptedPoster,
  targets,
} from '../../../support/fakes.js';
import { setup } from '../../../support/run-setup.js';

/** A clock the test moves by hand. */
function fakeClock(start = Date.parse('2026-12-07T10:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function writerOn(records: RunRecords, clock: { now(): number }, logger = new RecordingLogger()) {
  let delivered = 0;
  const writer = createProgressWriter({
    runId: 'resume-1',
    records,
    clock,
    logger,
    intervalMs: 2_000,
    snapshot: () => ({
      phase: 'posting',
      total: 10,
      read: 10,
      counts: { ...emptyCounts(), total: 10, delivered },
      handOvers: 0,
    }),
  });
  const deliver = () => {
    delivered++;
  };
  return { writer, logger, deliver };
}

describe('the progress writer', () => {
  it('writes at most once per interval, with the counts of the moment it writes', async () => {
    const clock = fakeClock();
    const records = new InMemoryRunRecords();
    const { writer, deliver } = writerOn(records, clock);

    deliver();
    writer.changed(); // within the first interval: the first record said where the run starts
    clock.advance(2_000);
    deliver();
    writer.changed(); // written
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(1_999);
    deliver();
    writer.changed(); // too soon
    clock.advance(1);
    deliver();
    writer.changed(); // written

    expect(await writer.stop()).toEqual({ written: 2, failed: 0 });
    expect(records.progressWrites.map(({ progress }) => progress.counts.delivered)).toEqual([2, 4]);
    expect(records.progressWrites[0]?.progress.updatedAt).toBe('2026-12-07T10:00:02.000Z');
  });

  it('never has two writes in flight, and never holds the caller back', async () => {
    const clock = fakeClock();
    const pending: Array<() => void> = [];
    const writes: RunProgress[] = [];
    const slowRecords = {
      ...new InMemoryRunRecords(),
      progress: (_runId: string, progress: RunProgress) =>
        new Promise<void>((resolve) => {
          writes.push(progress);
          pending.push(resolve);
        }),
    } as unknown as RunRecords;
    const { writer } = writerOn(slowRecords, clock);

    clock.advance(2_000);
    writer.changed();
    clock.advance(10_000);
    writer.changed(); // the first still in flight: no second write
    expect(writes).toHaveLength(1);

    pending.shift()?.();
    const stopped = writer.stop();
    clock.advance(10_000);
    writer.changed(); // stopped: nothing more goes out
    expect(await stopped).toEqual({ written: 1, failed: 0 });
    expect(writes).toHaveLength(1);
  });

  it('counts failed writes, warns once, and goes on', async () => {
    const clock = fakeClock();
    const failing = {
      progress: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    } as unknown as RunRecords;
    const { writer, logger } = writerOn(failing, clock);

    for (let write = 0; write < 3; write++) {
      clock.advance(2_000);
      writer.changed();
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await writer.stop()).toEqual({ written: 0, failed: 3 });
    expect(logger.messages('warn')).toEqual([
      'Could not write the run progress; the run goes on without it.',
    ]);
  });

  it('refuses a negative interval, naming it', () => {
    expect(() =>
      createProgressWriter({
        runId: 'r',
        records: new InMemoryRunRecords(),
        clock: fakeClock(),
        logger: new RecordingLogger(),
        intervalMs: -1,
        snapshot: () => ({
          phase: 'posting',
          total: 0,
          read: 0,
          counts: emptyCounts(),
          handOvers: 0,
        }),
      }),
    ).toThrow('Expected the progress interval to be >= 0 ms, got -1');
  });
});

describe('a run writes its progress', () => {
  it('into its record while it posts, and the final record replaces it', async () => {
    const clock = fakeClock();
    // Each post moves the clock by half a second: 20 posts take 10 s of the run's time.
    const poster = new ScriptedPoster(() => clock.advance(500));
    const { options, records } = setup({
      store: new InMemoryStore(targets(20), 5),
      poster,
      clock,
      settings: {
        concurrency: 1,
        timeoutMs: 200,
        maxPostsPerSecond: undefined,
        failOnErrorRatio: undefined,
      },
    });

    const summary = await runChannels(options);

    expect(summary.outcome).toBe('ok');
    const delivered = records.progressWrites.map(({ progress }) => progress.counts.delivered);
    // One write per 2 s of the run's clock: after the 4th, 8th, ... delivery.
    expect(delivered).toEqual([4, 8, 12, 16, 20]);
    expect(records.progressWrites[1]?.progress).toMatchObject({
      phase: 'posting',
      total: 20,
      read: 10,
      handOvers: 0,
      counts: { total: 20, delivered: 8, gone: 0 },
    });
    expect(records.saved.get('resume-test')).not.toHaveProperty('progress');
    expect(records.saved.get('resume-test')).toMatchObject({ state: 'completed' });
  });

  it('starts its record with the progress at zero', async () => {
    const { options, records } = setup({ store: new InMemoryStore(targets(3)) });
    const firstSave: unknown[] = [];
    const save = records.save.bind(records);
    records.save = async (record) => {
      if (firstSave.length === 0) firstSave.push(structuredClone(record));
      await save(record);
    };

    await runChannels(options);

    expect(firstSave[0]).toMatchObject({
      state: 'running',
      progress: { phase: 'posting', total: 3, read: 0, counts: { delivered: 0, total: 3 } },
    });
  });
});

describe('a run whose caller chose its id', () => {
  it('takes that id, and a second delivery of the same event does nothing', async () => {
    const store = new InMemoryStore(targets(4));
    const invocation = parseInvocation({ runId: 'resume-by-operator-1' });
    const { options, records, poster } = setup({ store, invocation });

    const first = await runChannels(options);
    const again = await runChannels(options);

    expect(first).toMatchObject({
      runId: 'resume-by-operator-1',
      state: 'completed',
      outcome: 'ok',
    });
    expect(again).toMatchObject({ runId: 'resume-by-operator-1', state: 'duplicate' });
    expect(again.message).toContain('has a record already');
    expect(poster.frames.size).toBe(4);
    expect([...poster.frames.values()].every((frames) => frames.length === 1)).toBe(true);
    expect(records.saved.get('resume-by-operator-1')).toMatchObject({ state: 'completed' });
  });
});

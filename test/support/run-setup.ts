import { parseInvocation } from '../../functions/core/invocation/parse.js';
import type { RunChannelsOptions } from '../../functions/core/run/run-channels.js';
import {
  InMemoryRunLease,
  InMemoryRunRecords,
  type InMemoryStore,
  RecordingLogger,
  ScriptedPoster,
} from './fakes.js';

/** A resume run on fakes (a console event, no deadline to speak of), and the fakes to read. */
export function setup(overrides: Partial<RunChannelsOptions> & { store: InMemoryStore }) {
  const logger = new RecordingLogger();
  const records = new InMemoryRunRecords();
  const lease = new InMemoryRunLease();
  const poster = new ScriptedPoster();
  const options: RunChannelsOptions = {
    kind: 'resume',
    invocation: parseInvocation({}),
    settings: {
      concurrency: 4,
      timeoutMs: 200,
      maxPostsPerSecond: undefined,
      failOnErrorRatio: undefined,
    },
    poster,
    records,
    lease,
    logger,
    clock: { now: () => Date.now() },
    remainingTimeMs: () => 600_000,
    newRunId: (kind) => `${kind}-test`,
    ...overrides,
  };
  return { options, logger, records, lease, poster: options.poster as ScriptedPoster };
}

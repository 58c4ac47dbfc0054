import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../../functions/core/errors.js';
import { handOverEvent } from '../../../../functions/core/invocation/hand-over.js';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';
import type { HandOver } from '../../../../functions/core/invocation/types.js';
import { emptyCounts } from '../../../../functions/core/run/outcome.js';

// The hand-over event is checked like a manual event (issue 17, item 11): it goes through
// Lambda's queue, which anyone allowed to invoke the function can write to.

const hook = { DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' };
const handOver: HandOver = {
  runId: 'resume-1',
  kind: 'resume',
  startedAt: 1_700_000_000_000,
  handOvers: 1,
  countsSoFar: emptyCounts(),
  owner: 'owner-1',
};
/** The hand-over event as it travels (JSON), with `change` applied to its fields. */
function eventWith(change: (fields: Record<string, unknown>) => void, request = {}) {
  const event = JSON.parse(
    JSON.stringify(handOverEvent(parseInvocation({ ...hook, ...request }), handOver)),
  );
  change(event.wsChannelsHandOver);
  return event;
}

describe('parseInvocation: hand-over events', () => {
  it('reads a hand-over event back to what was handed over, with its kind', () => {
    const invocation = parseInvocation(eventWith(() => undefined));
    expect(invocation).toMatchObject({
      trigger: 'codedeploy',
      hook: { deploymentId: 'd-1', lifecycleEventHookExecutionId: 'h-1' },
      handOver,
    });
  });

  it.each([
    [
      'an unknown field',
      (f: Record<string, unknown>) => Object.assign(f, { extra: 1 }),
      /unknown field "extra"/,
    ],
    [
      'no kind',
      (f: Record<string, unknown>) => delete f.kind,
      /kind is undefined; expected one of suspend, resume, undo/,
    ],
    [
      'an unknown kind',
      (f: Record<string, unknown>) => Object.assign(f, { kind: 'restart' }),
      /kind is "restart"/,
    ],
    [
      'an undo without undoOf',
      (f: Record<string, unknown>) => Object.assign(f, { kind: 'undo' }),
      /undoOf is undefined/,
    ],
    [
      'undoOf on a resume',
      (f: Record<string, unknown>) => Object.assign(f, { undoOf: 's-1' }),
      /undoOf is set on a hand-over of kind resume/,
    ],
    [
      'handOvers of 0',
      (f: Record<string, unknown>) => Object.assign(f, { handOvers: 0 }),
      /handOvers is 0; expected a whole number from 1 to 1000/,
    ],
    [
      'a negative count',
      (f: Record<string, unknown>) =>
        Object.assign(f, { countsSoFar: { ...emptyCounts(), gone: -1 } }),
      /countsSoFar.gone is -1/,
    ],
    [
      'an unknown count',
      (f: Record<string, unknown>) =>
        Object.assign(f, { countsSoFar: { ...emptyCounts(), lost: 1 } }),
      /unknown field "countsSoFar.lost"/,
    ],
    [
      'a concurrency of 0',
      (f: Record<string, unknown>) => Object.assign(f, { request: { concurrency: 0 } }),
      /request.concurrency is 0; expected a whole number from 1 to 900/,
    ],
    [
      'a timeout of 5 ms',
      (f: Record<string, unknown>) => Object.assign(f, { request: { timeoutMs: 5 } }),
      /request.timeoutMs is 5/,
    ],
    [
      'an empty connection id',
      (f: Record<string, unknown>) => Object.assign(f, { request: { connectionIds: [''] } }),
      /request.connectionIds\[0\] is ""/,
    ],
    [
      'an unknown request field',
      (f: Record<string, unknown>) => Object.assign(f, { request: { dryRun: true } }),
      /unknown field "request.dryRun"/,
    ],
    [
      'a hook without its execution id',
      (f: Record<string, unknown>) => Object.assign(f, { hook: { deploymentId: 'd-1' } }),
      /hook.lifecycleEventHookExecutionId is undefined/,
    ],
  ])('refuses %s, naming the field', (_what, change, message) => {
    const event = eventWith(change);
    expect(() => parseInvocation(event)).toThrow(InvalidEventError);
    expect(() => parseInvocation(event)).toThrow(message);
  });

  it('refuses a field beside the hand-over', () => {
    const event = { ...eventWith(() => undefined), dryRun: true };
    expect(() => parseInvocation(event)).toThrow(
      /unknown field "dryRun"; expected only wsChannelsHandOver/,
    );
  });
});

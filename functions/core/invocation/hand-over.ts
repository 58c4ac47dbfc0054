import { InvalidEventError } from '../errors.js';
import type { LifecycleHook } from '../ports.js';
import { type Counts, emptyCounts } from '../run/outcome.js';
import { requestOf } from './request-fields.js';
import { type HandOver, handOverKinds, type Invocation } from './types.js';

// The hand-over event: what a run that nears its Lambda's deadline invokes its own function with
// (asynchronously), so that a new invocation goes on with the run. ws-channels writes it and
// reads it, and checks it as strictly as a manual event: it goes through Lambda's queue, which
// anyone allowed to invoke the function can write to.

export const handOverField = 'wsChannelsHandOver';

const handOverFields = [
  'runId',
  'kind',
  'undoOf',
  'windowId',
  'startedAt',
  'handOvers',
  'countsSoFar',
  'owner',
  'hook',
  'request',
];
const requestFields = ['timeoutMs', 'concurrency', 'connectionIds'];
/** More than this many hand-overs cannot happen within the hook's hour. */
const maxHandOvers = 1_000;

/** The event that hands `invocation`'s run over to a new invocation. */
export function handOverEvent(invocation: Invocation, handOver: HandOver) {
  return {
    [handOverField]: {
      ...handOver,
      hook: invocation.hook ?? null,
      request: {
        timeoutMs: invocation.request.timeoutMs ?? null,
        concurrency: invocation.request.concurrency ?? null,
        connectionIds: invocation.request.connectionIds ?? null,
      },
    },
  };
}

function invalidHandOver(problem: string): InvalidEventError {
  return new InvalidEventError(
    `${handOverField}: ${problem}. This event is sent by ws-channels itself to hand a run over to a new invocation, and is not meant to be written by hand.`,
  );
}

function onlyKnown(fields: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(fields).find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw invalidHandOver(`unknown field "${where}${unknown}"; expected only ${known.join(', ')}`);
  }
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidHandOver(`${name} is ${JSON.stringify(value)}; expected an object`);
  }
  return value as Record<string, unknown>;
}

function nonEmptyString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw invalidHandOver(
      `${name} is ${JSON.stringify(value)}; expected a string of 1 to 256 characters`,
    );
  }
  return value;
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidHandOver(
      `${name} is ${JSON.stringify(value)}; expected a whole number from ${min} to ${max}`,
    );
  }
  return value;
}

/** The invocation a hand-over event asks for; undefined when the event is not one. */
export function parseHandOver(event: object): Invocation | undefined {
  if (!(handOverField in event)) return undefined;
  onlyKnown(event as Record<string, unknown>, [handOverField], '');
  const value = objectOf((event as Record<string, unknown>)[handOverField], handOverField);
  onlyKnown(value, handOverFields, '');
  const kind = handOverKinds.find((known) => known === value.kind);
  if (kind === undefined) {
    throw invalidHandOver(
      `kind is ${JSON.stringify(value.kind)}; expected one of ${handOverKinds.join(', ')}`,
    );
  }
  const handOver: HandOver = {
    runId: nonEmptyString(value.runId, 'runId'),
    kind,
    ...(kind === 'undo' ? { undoOf: nonEmptyString(value.undoOf, 'undoOf') } : {}),
    ...(value.windowId === undefined
      ? {}
      : { windowId: nonEmptyString(value.windowId, 'windowId') }),
    startedAt: wholeNumber(value.startedAt, 'startedAt', 0, Number.MAX_SAFE_INTEGER),
    handOvers: wholeNumber(value.handOvers, 'handOvers', 1, maxHandOvers),
    countsSoFar: countsOf(value.countsSoFar),
    owner: value.owner === null ? null : nonEmptyString(value.owner, 'owner'),
  };
  if (kind !== 'undo' && value.undoOf !== undefined) {
    throw invalidHandOver(
      `undoOf is set on a hand-over of kind ${kind}; expected it on an undo only`,
    );
  }
  const requestFieldsOf = objectOf(value.request, 'request');
  onlyKnown(requestFieldsOf, requestFields, 'request.');
  // null is how the event says "not given".
  const given = Object.fromEntries(
    Object.entries(requestFieldsOf).filter(([, field]) => field !== null),
  );
  const request = requestOf(given, (problem) => invalidHandOver(`request.${problem}`));
  const hook = value.hook === null ? undefined : hookOf(value.hook);
  return hook
    ? { trigger: 'codedeploy', hook, request, handOver }
    : { trigger: 'manual', hook: undefined, request, handOver };
}

function hookOf(value: unknown): LifecycleHook {
  const hook = objectOf(value, 'hook');
  onlyKnown(hook, ['deploymentId', 'lifecycleEventHookExecutionId'], 'hook.');
  return {
    deploymentId: nonEmptyString(hook.deploymentId, 'hook.deploymentId'),
    lifecycleEventHookExecutionId: nonEmptyString(
      hook.lifecycleEventHookExecutionId,
      'hook.lifecycleEventHookExecutionId',
    ),
  };
}

function countsOf(value: unknown): Counts {
  const fields = objectOf(value, 'countsSoFar');
  const counts = emptyCounts();
  onlyKnown(fields, Object.keys(counts), 'countsSoFar.');
  for (const key of Object.keys(counts) as (keyof Counts)[]) {
    counts[key] = wholeNumber(fields[key], `countsSoFar.${key}`, 0, Number.MAX_SAFE_INTEGER);
  }
  return counts;
}

/** The hook a hand-over event goes on with, read without checking the rest of the event. */
export function hookOfHandOver(event: object): LifecycleHook | undefined {
  const hook = fieldOfHandOver(event, 'hook');
  if (typeof hook !== 'object' || hook === null) return undefined;
  const { deploymentId, lifecycleEventHookExecutionId } = hook as Record<string, unknown>;
  if (typeof deploymentId !== 'string' || deploymentId.length === 0) return undefined;
  if (
    typeof lifecycleEventHookExecutionId !== 'string' ||
    lifecycleEventHookExecutionId.length === 0
  ) {
    return undefined;
  }
  return { deploymentId, lifecycleEventHookExecutionId };
}

/** The hook execution's owner a hand-over event carries, read without checking the rest. */
export function ownerOfHandOver(event: object): string | undefined {
  const owner = fieldOfHandOver(event, 'owner');
  return typeof owner === 'string' && owner.length > 0 ? owner : undefined;
}

function fieldOfHandOver(event: object, name: string): unknown {
  if (!(handOverField in event)) return undefined;
  const fields = (event as Record<string, unknown>)[handOverField];
  return typeof fields === 'object' && fields !== null
    ? (fields as Record<string, unknown>)[name]
    : undefined;
}

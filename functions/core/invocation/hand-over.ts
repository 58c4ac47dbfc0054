import { InvalidEventError } from '../errors.js';
import type { LifecycleHook } from '../ports.js';
import { type Counts, emptyCounts } from '../run/outcome.js';
import type { Invocation, RunRequest } from './parse.js';

// A run that nears its Lambda's deadline hands over to a new invocation of its own function
// (an asynchronous invoke), with this event. The next part goes on under the same run id (the
// same suspend marks, the same frames, the same record and lease), so the invocations make one
// run with one set of counts. Where each shard stands is the registry itself: every connection
// a part settled has left the set the next part reads (resumed, deleted, or marked with this
// run's attempt), so the next part reads exactly what is left, whatever order the posts ended.

export const continuationField = 'wsChannelsContinuation';

export interface Continuation {
  runId: string;
  /** When the first part started (epoch ms): suspend's cut-off, and the hook's hour. */
  startedAt: number;
  /** 2 for the first continuation. */
  part: number;
  /** What the parts before counted, joined. */
  countsSoFar: Counts;
  /** The hook execution's owner (the first invocation's request id): it reports at the end. */
  owner: string | null;
}

/** The event that continues `invocation`'s run as `continuation`. */
export function continuationEvent(invocation: Invocation, continuation: Continuation) {
  return {
    [continuationField]: {
      ...continuation,
      hook: invocation.hook ?? null,
      request: {
        timeoutMs: invocation.request.timeoutMs ?? null,
        concurrency: invocation.request.concurrency ?? null,
        connectionIds: invocation.request.connectionIds ?? null,
      },
    },
  };
}

/** The event's continuation field: undefined when it has none (then it is no continuation). */
function continuationFieldsOf(event: unknown): { value: unknown } | undefined {
  if (typeof event !== 'object' || event === null || !(continuationField in event)) {
    return undefined;
  }
  return { value: (event as Record<string, unknown>)[continuationField] };
}

/** One field of a continuation event, read without checking the rest. */
function continuationPartOf(event: unknown, name: 'hook' | 'owner'): unknown {
  const fields = continuationFieldsOf(event)?.value;
  return typeof fields === 'object' && fields !== null
    ? (fields as Record<string, unknown>)[name]
    : undefined;
}

/** The invocation a continuation event asks for; undefined when the event is not one. */
export function parseContinuation(event: unknown): Invocation | undefined {
  const found = continuationFieldsOf(event);
  if (!found) return undefined;
  const fields = found.value;
  const bad = (what: string) =>
    new InvalidEventError(
      `${continuationField}.${what} is missing or of the wrong type; this event is sent by ws-channels itself to continue a run, and is not meant to be written by hand.`,
    );
  if (typeof fields !== 'object' || fields === null) throw bad('(the object)');
  const value = fields as Record<string, unknown>;
  if (typeof value.runId !== 'string' || value.runId.length === 0) throw bad('runId');
  if (typeof value.startedAt !== 'number') throw bad('startedAt');
  if (typeof value.part !== 'number' || !Number.isInteger(value.part) || value.part < 2) {
    throw bad('part');
  }
  const counts = countsOf(value.countsSoFar);
  if (!counts) throw bad('countsSoFar');
  const hook = hookOfContinuation(event);
  const request = requestOf(value.request);
  if (!request) throw bad('request');
  const continuation: Continuation = {
    runId: value.runId,
    startedAt: value.startedAt,
    part: value.part,
    countsSoFar: counts,
    owner: typeof value.owner === 'string' ? value.owner : null,
  };
  return hook
    ? { trigger: 'codedeploy', hook, request, continuation }
    : { trigger: 'manual', hook: undefined, request, continuation };
}

/** The hook a continuation event goes on with, if it has one. */
export function hookOfContinuation(event: unknown): LifecycleHook | undefined {
  const hook = continuationPartOf(event, 'hook');
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

/** The hook execution's owner a continuation event carries, if it carries one. */
export function continuationOwnerOf(event: unknown): string | undefined {
  const owner = continuationPartOf(event, 'owner');
  return typeof owner === 'string' && owner.length > 0 ? owner : undefined;
}

function countsOf(value: unknown): Counts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const counts = emptyCounts();
  for (const key of Object.keys(counts) as (keyof Counts)[]) {
    const count = (value as Record<string, unknown>)[key];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return undefined;
    counts[key] = count;
  }
  return counts;
}

function requestOf(value: unknown): RunRequest | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { timeoutMs, concurrency, connectionIds } = value as Record<string, unknown>;
  const numberOrUndefined = (field: unknown) => (typeof field === 'number' ? field : undefined);
  const ids = Array.isArray(connectionIds)
    ? connectionIds.filter((id): id is string => typeof id === 'string')
    : undefined;
  return {
    dryRun: false,
    timeoutMs: numberOrUndefined(timeoutMs),
    concurrency: numberOrUndefined(concurrency),
    connectionIds: ids,
  };
}

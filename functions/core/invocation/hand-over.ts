import { InvalidEventError } from '../errors.js';
import type { LifecycleHook } from '../ports.js';
import { type Counts, emptyCounts } from '../run/outcome.js';
import type { HandOver, Invocation, RunRequest } from './types.js';

// The hand-over event: what a run that nears its Lambda's deadline invokes its own function with
// (asynchronously), so that a new invocation goes on with the run. ws-channels writes it and
// reads it; it is not meant to be written by hand.

export const handOverField = 'wsChannelsHandOver';

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

/** The fields of the event's hand-over, when the event has one. */
function handOverFieldsOf(event: object): Record<string, unknown> | undefined {
  if (!(handOverField in event)) return undefined;
  const fields = (event as Record<string, unknown>)[handOverField];
  if (typeof fields !== 'object' || fields === null) {
    throw invalidHandOver('(the object)');
  }
  return fields as Record<string, unknown>;
}

function invalidHandOver(what: string): InvalidEventError {
  return new InvalidEventError(
    `${handOverField}.${what} is missing or of the wrong type; this event is sent by ws-channels itself to hand a run over to a new invocation, and is not meant to be written by hand.`,
  );
}

/** The invocation a hand-over event asks for; undefined when the event is not one. */
export function parseHandOver(event: object): Invocation | undefined {
  const value = handOverFieldsOf(event);
  if (!value) return undefined;
  if (typeof value.runId !== 'string' || value.runId.length === 0) throw invalidHandOver('runId');
  if (typeof value.startedAt !== 'number') throw invalidHandOver('startedAt');
  const { handOvers } = value;
  if (typeof handOvers !== 'number' || !Number.isInteger(handOvers) || handOvers < 1) {
    throw invalidHandOver('handOvers');
  }
  const counts = countsOf(value.countsSoFar);
  if (!counts) throw invalidHandOver('countsSoFar');
  const hook = hookOf(value.hook);
  const request = requestOf(value.request);
  if (!request) throw invalidHandOver('request');
  const handOver: HandOver = {
    runId: value.runId,
    startedAt: value.startedAt,
    handOvers,
    countsSoFar: counts,
    owner: typeof value.owner === 'string' && value.owner.length > 0 ? value.owner : null,
  };
  return hook
    ? { trigger: 'codedeploy', hook, request, handOver }
    : { trigger: 'manual', hook: undefined, request, handOver };
}

/** The hook a hand-over event goes on with, read without checking the rest of the event. */
export function hookOfHandOver(event: object): LifecycleHook | undefined {
  if (!(handOverField in event)) return undefined;
  const fields = (event as Record<string, unknown>)[handOverField];
  return typeof fields === 'object' && fields !== null
    ? hookOf((fields as Record<string, unknown>).hook)
    : undefined;
}

/** The hook execution's owner a hand-over event carries, read without checking the rest. */
export function ownerOfHandOver(event: object): string | undefined {
  if (!(handOverField in event)) return undefined;
  const fields = (event as Record<string, unknown>)[handOverField];
  const owner =
    typeof fields === 'object' && fields !== null
      ? (fields as Record<string, unknown>).owner
      : undefined;
  return typeof owner === 'string' && owner.length > 0 ? owner : undefined;
}

function hookOf(hook: unknown): LifecycleHook | undefined {
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

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { continuationOwnerOf } from '../core/invocation/hand-over.js';

/**
 * Who holds a hook's execution: a new id per delivery (a repeat delivery never shares it, so it
 * never runs the work again), or the id a continuation carries (the parts a run hands over to
 * go on holding the execution, and the last part stores the status). The handler reads it with
 * `hookOwnerFor(context)` to pass it on.
 */
export function hookOwnerOf(event: unknown, context: Context | undefined): string {
  const owner = continuationOwnerOf(event) ?? randomUUID();
  if (context) ownersByContext.set(context, owner);
  return owner;
}

const ownersByContext = new WeakMap<object, string>();

/** The owner of the hook execution this invocation holds, if it holds one. */
export function hookOwnerFor(context: Context | undefined): string | null {
  return (context && ownersByContext.get(context)) ?? null;
}

import { randomUUID } from 'node:crypto';
import { InvalidEventError } from '../errors.js';
import type { LifecycleHook } from '../ports.js';
import { hookOfHandOver, ownerOfHandOver, parseHandOver } from './hand-over.js';
import { allowedFields, allowedList, dryRunOf, emptyRequest, requestOf } from './request-fields.js';
import type { HookReport, Invocation, ReadInvocation } from './types.js';

// Reads the event of a suspend or resume invocation, once: what it asks for (a hook, a manual
// run, a hand-over), the hook to report to even when the rest is invalid, and the hook
// execution's owner. Every middleware and the handler take what this read.

export type { HookReport, Invocation, ReadInvocation, RunRequest } from './types.js';
export { maxConcurrency, maxConnectionIdBytes, maxConnectionIds } from './types.js';

function invalid(problem: string): InvalidEventError {
  return new InvalidEventError(
    `${problem}. Expected a CodeDeploy lifecycle hook event {"DeploymentId", "LifecycleEventHookExecutionId"} ` +
      `or a manual event with only these optional fields: ${allowedList}. Example: {"dryRun": true}`,
  );
}

function isHookField(field: string): boolean {
  return field === 'DeploymentId' || field === 'LifecycleEventHookExecutionId';
}

/** Reads the event a run was invoked with; throws InvalidEventError naming what is wrong. */
export function parseInvocation(event: unknown): Invocation {
  // `aws lambda invoke` without a payload and some consoles send null.
  if (event === null || event === undefined) {
    return { trigger: 'manual', hook: undefined, request: emptyRequest };
  }
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw invalid(
      `The event is ${Array.isArray(event) ? 'an array' : typeof event}, not an object`,
    );
  }
  const handedOver = parseHandOver(event);
  if (handedOver) return handedOver;
  const fields = event as Record<string, unknown>;
  const names = Object.keys(fields);

  if (names.some(isHookField)) {
    const deploymentId = fields.DeploymentId;
    const hookExecutionId = fields.LifecycleEventHookExecutionId;
    if (typeof deploymentId !== 'string' || deploymentId.length === 0) {
      throw invalid('DeploymentId is missing or not a non-empty string');
    }
    if (typeof hookExecutionId !== 'string' || hookExecutionId.length === 0) {
      throw invalid('LifecycleEventHookExecutionId is missing or not a non-empty string');
    }
    // CodeDeploy sends exactly these two fields; a manual dry run can be added to try a hook.
    const extra = names.filter((name) => !isHookField(name) && name !== 'dryRun');
    if (extra.length > 0) {
      throw invalid(`Unknown field "${extra[0]}" in a CodeDeploy hook event`);
    }
    return {
      trigger: 'codedeploy',
      hook: { deploymentId, lifecycleEventHookExecutionId: hookExecutionId },
      request: { ...emptyRequest, dryRun: dryRunOf(fields.dryRun, invalid) },
    };
  }

  const unknown = names.filter((name) => !Object.hasOwn(allowedFields, name));
  if (unknown.length > 0) {
    throw invalid(`Unknown field "${unknown[0]}"`);
  }
  return { trigger: 'manual', hook: undefined, request: requestOf(fields, invalid) };
}

/**
 * The hook in an event, if it names one that can be reported to, even when the rest of the event
 * is invalid. An empty id is no hook: CodeDeploy would refuse the report
 * (`DeploymentIdRequiredException`), so there is nothing to tell it.
 */
export function hookOf(event: unknown): LifecycleHook | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const handedOver = hookOfHandOver(event);
  if (handedOver) return handedOver;
  const fields = event as Record<string, unknown>;
  const deploymentId = fields.DeploymentId;
  const hookExecutionId = fields.LifecycleEventHookExecutionId;
  if (
    typeof deploymentId === 'string' &&
    deploymentId.length > 0 &&
    typeof hookExecutionId === 'string' &&
    hookExecutionId.length > 0
  ) {
    return { deploymentId, lifecycleEventHookExecutionId: hookExecutionId };
  }
  return undefined;
}

function isDryRun(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'dryRun' in event && event.dryRun === true;
}

function namesAHook(event: unknown): event is Record<string, unknown> {
  return (
    typeof event === 'object' &&
    event !== null &&
    ('DeploymentId' in event || 'LifecycleEventHookExecutionId' in event)
  );
}

/** What the CodeDeploy report makes of the event (see HookReport). */
function hookReportOf(event: unknown): HookReport {
  const hook = hookOf(event);
  if (hook) return isDryRun(event) ? { kind: 'dry_run', hook } : { kind: 'report', hook };
  if (!namesAHook(event)) return { kind: 'none' };
  return {
    kind: 'no_ids',
    deploymentId: event.DeploymentId,
    lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
  };
}

/** Reads an invocation's event once; never throws (an invalid event's error is in the result). */
export function readInvocation(event: unknown): ReadInvocation {
  let invocation: Invocation | undefined;
  let error: Error | undefined;
  try {
    invocation = parseInvocation(event);
  } catch (caught) {
    error = caught instanceof Error ? caught : new InvalidEventError(String(caught));
  }
  const handOverOwner =
    typeof event === 'object' && event !== null ? ownerOfHandOver(event) : undefined;
  return {
    invocation,
    error,
    hookReport: hookReportOf(event),
    owner: handOverOwner ?? randomUUID(),
  };
}

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConnections } from '../../functions/aws/dynamodb.js';
import type { CodeDeployEmulator } from '../support/codedeploy-emulator.js';
import type { Behaviour } from '../support/management-api-behaviours.js';
import { frameTypeOf } from '../support/management-api-emulator.js';
import type { RunKind } from '../support/run-process.js';
import type { TestTables } from '../support/tables.js';

// The invariant of the fault suite, checked from what the outside world can see after the runs:
// every item's final state in the Connections table, every frame each client was delivered, and
// every status CodeDeploy was sent per hook. Each connection gets one fate:
//
// | fate       | resume (the item was suspended)                | suspend (the item was active)                      |
// | ---------- | ---------------------------------------------- | -------------------------------------------------- |
// | done       | 1 resume frame, item active                    | 1 suspend frame, item suspended                    |
// | deleted    | 0 frames, answered 410, item deleted           | the same                                           |
// | left       | 0 frames, item suspended with lastError: the   | 0 frames, item suspended (marked before a post     |
// |            | next resume retries it                         | that may have reached it: a timeout, a failure):   |
// |            |                                                | the next resume tells it to go on; or 0 frames,    |
// |            |                                                | item active after a post that surely did not reach |
// |            |                                                | it (throttled to the end, refused): put back       |
// | lost       | item active or deleted (not gone) though no    | 1 frame but item active or deleted: told to        |
// |            | frame came: no later run will reach it         | suspend, never to be resumed                       |
// | stuck      | 1 frame but item still suspended, or suspended | 0 frames and item still active though its post     |
// |            | without a reason                               | could have reached it; or item suspended though    |
// |            |                                                | its post surely did not: the registry would say    |
// |            |                                                | what the client was never told                     |
// | doubleSent | 2 or more frames of the run's kind             | the same                                           |
//
// A suspend that fails resumes what it suspended before it reports Failed (its undo): a client
// with a resume frame (after its suspend frame, or none) and an active item is `left`.
//
// The invariant holds when no connection is lost, stuck or double-sent, and every hook got
// exactly one accepted status.

export type ConnectionFate = 'done' | 'deleted' | 'left' | 'lost' | 'stuck' | 'doubleSent';

export const fates: readonly ConnectionFate[] = [
  'done',
  'deleted',
  'left',
  'lost',
  'stuck',
  'doubleSent',
];

export interface ConnectionVerdict {
  connectionId: string;
  fate: ConnectionFate;
  /** Frames of the run's kind the client was delivered. */
  frames: number;
  /** The item's status afterwards, or 'deleted'. */
  state: string;
  /** Why it was left: the item's lastError, or the emulator's answer. */
  reason?: string;
}

export interface InvariantInput {
  kind: RunKind;
  documentClient: DynamoDBDocumentClient;
  tables: TestTables;
  /** Every connection seeded before the runs, each in the state its kind handles. */
  connectionIds: readonly string[];
  /** The frames the emulator delivered to an id (it must record frames). */
  framesTo: (connectionId: string) => readonly string[];
  /** How the emulator answers an id: gone ids may be deleted. */
  behaviourOf: (connectionId: string) => Behaviour;
  codeDeploy?: CodeDeployEmulator;
  /** The hooks that were invoked: each must have exactly one accepted status. */
  hookIds?: readonly string[];
  /**
   * Results the runs counted as not written (summary counts.unrecorded): that many clients may
   * have their frame while the item still says the old state. They are `left`, counted.
   */
  unrecordedCounted?: number;
  /**
   * Connections the run records counted as not reached (counts.remaining: the run stopped at
   * its deadline or on a failure): that many untouched suspended items are `left`, counted.
   */
  remainingCounted?: number;
  /** A run was killed: a second frame to a client is allowed (at-least-once) and reported. */
  atLeastOnce?: boolean;
}

export interface InvariantReport {
  connections: number;
  counts: Record<ConnectionFate, number>;
  /** Every connection whose fate is not done, for a failure message. */
  notDone: ConnectionVerdict[];
  /** Per hook id, every status sent in order; a refused one as `Status (ErrorType)`. */
  statusesPerHook: Record<string, string[]>;
  /** What breaks the invariant, in words; empty when it holds. */
  problems: string[];
}

export async function checkInvariant(input: InvariantInput): Promise<InvariantReport> {
  const items = new Map(
    (
      await readConnections(
        input.documentClient,
        input.tables.connectionsTable,
        input.connectionIds,
      )
    ).map((item) => [String(item.connectionId), item]),
  );
  const counts = Object.fromEntries(fates.map((fate) => [fate, 0])) as Record<
    ConnectionFate,
    number
  >;
  const notDone: ConnectionVerdict[] = [];
  let unrecordedLeft = input.unrecordedCounted ?? 0;
  let remainingLeft = input.remainingCounted ?? 0;
  for (const connectionId of input.connectionIds) {
    const frames = input
      .framesTo(connectionId)
      .filter((body) => frameTypeOf(body) === input.kind).length;
    // A resume post that timed out but was delivered late (1 frame, the item suspended with a
    // timedOut lastError) is `left`: the run could not know, and the next resume sends again.
    //
    // A failed suspend resumes what it suspended (its undo): those clients also get a resume.
    const undoFrames =
      input.kind === 'suspend'
        ? input.framesTo(connectionId).filter((body) => frameTypeOf(body) === 'resume').length
        : 0;
    const verdict = classify(
      input.kind,
      connectionId,
      frames,
      items.get(connectionId),
      input.behaviourOf(connectionId),
      undoFrames,
    );
    if (verdict.fate === 'stuck' && verdict.frames === 1 && unrecordedLeft > 0) {
      // Its frame went out, its result could not be written, and the summary counted it.
      unrecordedLeft--;
      verdict.fate = 'left';
      verdict.reason = 'unrecorded (counted in the summary; the next run posts again)';
    } else if (verdict.fate === 'stuck' && verdict.frames === 0 && remainingLeft > 0) {
      // Never reached: the run stopped first, and its record counts it as remaining.
      remainingLeft--;
      verdict.fate = 'left';
      verdict.reason = 'not reached (counted as remaining; the next run reaches it)';
    }
    counts[verdict.fate]++;
    if (verdict.fate !== 'done') notDone.push(verdict);
  }
  const statusesPerHook = statusesOf(input.codeDeploy);
  const problems: string[] = [];
  const breaking = input.atLeastOnce
    ? (['lost', 'stuck'] as const)
    : (['lost', 'stuck', 'doubleSent'] as const);
  for (const fate of breaking) {
    if (counts[fate] === 0) continue;
    const sample = notDone.filter((verdict) => verdict.fate === fate).slice(0, 3);
    problems.push(`${counts[fate]} ${fate}, e.g. ${JSON.stringify(sample)}`);
  }
  for (const hookId of input.hookIds ?? []) {
    const accepted = (statusesPerHook[hookId] ?? []).filter((status) => !status.includes('('));
    if (accepted.length !== 1) {
      problems.push(
        `hook ${hookId} got ${accepted.length} accepted statuses: ${JSON.stringify(statusesPerHook[hookId] ?? [])}`,
      );
    }
  }
  return { connections: input.connectionIds.length, counts, notDone, statusesPerHook, problems };
}

function classify(
  kind: RunKind,
  connectionId: string,
  frames: number,
  item: Record<string, unknown> | undefined,
  behaviour: Behaviour,
  undoFrames = 0,
): ConnectionVerdict {
  const state = item === undefined ? 'deleted' : String(item.status);
  const verdict = (fate: ConnectionFate, reason?: string): ConnectionVerdict => ({
    connectionId,
    fate,
    frames,
    state,
    ...(reason === undefined ? {} : { reason }),
  });
  if (frames > 1) return verdict('doubleSent');
  const gone = behaviour === 'gone' || behaviour === 'goneEmpty';
  if (item === undefined) {
    return frames === 0 && gone
      ? verdict('deleted', behaviour)
      : verdict('lost', `deleted, answered ${behaviour}`);
  }
  const suspended = item.status === 'suspended';
  if (kind === 'resume') {
    if (frames === 1) {
      if (!suspended) return verdict('done');
      // A post that timed out may still have been delivered (a just-late answer): the item
      // says so, and the next resume sends again (at-least-once).
      return typeof item.lastError === 'string' && item.lastError.startsWith('timedOut')
        ? verdict('left', `${item.lastError} (the frame arrived late)`)
        : verdict('stuck', 'resumed, but the item says suspended');
    }
    if (!suspended) return verdict('lost', 'never resumed, but the item says active');
    return typeof item.lastError === 'string'
      ? verdict('left', item.lastError)
      : verdict('stuck', 'suspended without lastError');
  }
  if (!suspended && undoFrames === 1 && frames <= 1) {
    // The suspend failed and undid itself: back to active, and told to go on.
    return verdict('left', 'suspend failed; resumed by its undo');
  }
  if (frames === 1) {
    return suspended
      ? verdict('done')
      : verdict('lost', 'told to suspend, but the item says active');
  }
  // A refusal or a throttle to the end: the frame never reached the client.
  const surelyNotTold =
    behaviour === 'throttle' || behaviour === 'forbidden' || behaviour === 'tooLarge';
  if (surelyNotTold) {
    return suspended
      ? verdict('stuck', `never told (${behaviour}), but the item says suspended`)
      : verdict('left', `not told (${behaviour}); put back as active`);
  }
  return suspended
    ? verdict('left', `marked, not told (${behaviour})`)
    : verdict('stuck', 'never suspended');
}

function statusesOf(codeDeploy: CodeDeployEmulator | undefined): Record<string, string[]> {
  const statuses: Record<string, string[]> = {};
  const add = (hookId: string, status: string, at: number) => {
    const list = statuses[hookId] ?? [];
    statuses[hookId] = list;
    list.push(`${at}\u0000${status}`);
  };
  for (const call of codeDeploy?.calls ?? [])
    add(call.lifecycleEventHookExecutionId, call.status, call.at);
  for (const call of codeDeploy?.rejected ?? []) {
    const body = (call.body ?? {}) as { lifecycleEventHookExecutionId?: unknown; status?: unknown };
    add(
      String(body.lifecycleEventHookExecutionId),
      `${String(body.status)} (${call.errorType})`,
      call.at,
    );
  }
  // In the order they arrived, whichever list they are in.
  return Object.fromEntries(
    Object.entries(statuses).map(([hookId, list]) => [
      hookId,
      list.sort().map((entry) => entry.slice(entry.indexOf('\u0000') + 1)),
    ]),
  );
}

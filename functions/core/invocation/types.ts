import type { LifecycleHook } from '../ports.js';
import type { Counts } from '../run/outcome.js';

// What an invocation of a suspend or resume function is, once its event has been read: by a
// CodeDeploy lifecycle hook, by hand (the console's Test tab, `aws lambda invoke`, the local
// scripts), or by a run that hands over to a new invocation of its own function.

export interface RunRequest {
  /** Count and report; post nothing, write nothing. */
  dryRun: boolean;
  /** Only these connections (still in the state the run handles). */
  connectionIds: readonly string[] | undefined;
  timeoutMs: number | undefined;
  concurrency: number | undefined;
  /**
   * The run's id, chosen by the caller so that it can follow the run's record (the operator
   * commands invoke asynchronously); a run whose id has a record already does nothing.
   */
  runId?: string | undefined;
}

/**
 * Where a run stands when it hands over to a new invocation of its own function (an asynchronous
 * invoke near its Lambda's deadline). The new invocation goes on under the same run id (the same
 * suspend marks, frames, record and lease), so the invocations make one run with one set of
 * counts. Where each shard stands is the registry itself: every connection the run settled has
 * left the set the next invocation reads (resumed, deleted, or marked with this run's attempt).
 */
export interface HandOver {
  runId: string;
  /**
   * What the run is: a suspend, a resume, or the undo of a failed suspend (a resume of what that
   * suspend marked, which goes on in the suspend function). A function refuses a hand-over of a
   * kind it does not run.
   */
  kind: HandOverKind;
  /** The undo's suspend run: the one whose marks it resumes. */
  undoOf?: string;
  /** A suspend's deployment window (its id): the connections suspended in it are left alone. */
  windowId?: string;
  /** When the run's first invocation started (epoch ms): suspend's cut-off, and the hook's hour. */
  startedAt: number;
  /** How many times the run has been handed over, this hand-over included (1 for the first). */
  handOvers: number;
  /** What the invocations before counted, joined. */
  countsSoFar: Counts;
  /** The hook execution's owner (the first invocation's): the invocation that ends the run reports. */
  owner: string | null;
}

export const handOverKinds = ['suspend', 'resume', 'undo'] as const;
export type HandOverKind = (typeof handOverKinds)[number];

export type Invocation = (
  | { trigger: 'codedeploy'; hook: LifecycleHook; request: RunRequest }
  | { trigger: 'manual'; hook: undefined; request: RunRequest }
  | {
      /** A deployment that ended without AfterAllowTraffic (EventBridge): its clients resume. */
      trigger: 'deployment_ended';
      hook: undefined;
      request: RunRequest;
      endedDeployment: { deploymentId: string; state: 'STOP' | 'FAILURE' };
    }
) & {
  /** Set when this invocation goes on with a run an earlier invocation handed over. */
  handOver?: HandOver;
};

/**
 * What the CodeDeploy report makes of an event: a hook to give a status to, or why there is none
 * (a console run names no hook; a dry run of a hook writes nothing, a status included; an event
 * that names a hook without both ids has nothing CodeDeploy would take).
 */
export type HookReport =
  | { kind: 'report'; hook: LifecycleHook }
  | { kind: 'none' }
  | { kind: 'dry_run'; hook: LifecycleHook }
  | { kind: 'no_ids'; deploymentId: unknown; lifecycleEventHookExecutionId: unknown };

/** An event read once, for every middleware and the handler of one invocation. */
export interface ReadInvocation {
  /** What the event asks for; undefined when it is invalid, and `error` says why. */
  invocation: Invocation | undefined;
  error: Error | undefined;
  /** Read even when the rest of the event is invalid: a malformed hook event still gets Failed. */
  hookReport: HookReport;
  /**
   * Who holds the hook's execution: the owner a hand-over carries (the invocations of one run go
   * on holding it), or a new id for this delivery (a repeat delivery never shares it).
   */
  owner: string;
}

export const maxConnectionIds = 10_000;
/** DynamoDB's limit on a partition key value (API Gateway's own ids are 16 characters). */
export const maxConnectionIdBytes = 2_048;
/** The most posts in flight a run takes (a Lambda has 1,024 file descriptors). */
export const maxConcurrency = 900;

import { randomUUID } from 'node:crypto';
import type { HandOver, Invocation } from '../invocation/types.js';
import type {
  ChannelStore,
  ChannelTarget,
  Clock,
  Deployments,
  DeploymentWindow,
  Logger,
  MessagePoster,
  RunIdentity,
  RunKind,
  RunLease,
  RunRecords,
  RunState,
  StoreSession,
} from '../ports.js';
import type { BulkPostSummary } from '../posting/bulk-post.js';
import { type RunFields, type RunSummary, summarizeRun } from './summary.js';
import { RunTally } from './tally.js';

// A run as it goes: what it was asked, who it is, what it has counted so far, and the summary
// it would give if it ended now.

export interface RunSettings {
  concurrency: number;
  timeoutMs: number;
  maxPostsPerSecond: number | undefined;
  failOnErrorRatio: number | undefined;
  /** Sets the suspend frame's resumeBy: this long after the run started (none when unset). */
  resumeExpectedWithinMs?: number;
}

export interface RunChannelsOptions {
  kind: RunKind;
  invocation: Invocation;
  settings: RunSettings;
  store: ChannelStore;
  /**
   * For a suspend run: the store of the resume that undoes it when it fails (exactly the
   * connections that suspend run marked), so that a failed BeforeAllowTraffic leaves no client
   * suspended.
   */
  undoStoreFor?: ((suspendRunId: string) => ChannelStore) | undefined;
  /** Set on the undo of a failed suspend: the suspend run whose marks it resumes. */
  undoOf?: string | undefined;
  /** The run whose lease this run works under, when it is another (the undo's suspend). */
  leaseHolder?: string | undefined;
  poster: MessagePoster;
  lease: RunLease;
  records: RunRecords;
  logger: Logger;
  clock: Clock;
  /** The Lambda's remaining time; the run stops dispatching `deadlineMarginMs` before it ends. */
  remainingTimeMs: () => number;
  /** Aborted when the handler must stop (middy's early timeout): no new post is dispatched. */
  signal?: AbortSignal;
  deadlineMarginMs?: number;
  /** How long a run waits for another run's lease before it gives up (5 minutes). */
  leaseWaitMs?: number;
  /**
   * How long the lease holds without a heartbeat (a dead holder's lease is free this long after
   * its last one), and how often the holder renews it.
   */
  leaseTtlMs?: number;
  leaseHeartbeatMs?: number;
  failureSampleSize?: number;
  progressIntervalMs?: number;
  /** At most one progress write to the run record per this many milliseconds (2 s). */
  progressWriteIntervalMs?: number;
  newRunId?: (kind: RunKind, now: number) => string;
  /**
   * Hands the run over to a new invocation (an asynchronous invoke of the same function); without
   * it, a run that nears its deadline stops as `incomplete`.
   */
  handOver?: (handOver: HandOver) => Promise<void>;
  /** A run hands over only this long after its first invocation started (the hook's hour). */
  handOverWithinMs?: number;
  /**
   * CodeDeploy's limit for a hook's status (an hour): an invocation a hook's run was handed over
   * to after it does nothing but report Failed.
   */
  hookHourMs?: number;
  /**
   * The deployment window (run-window.ts): a suspend opens it, the resume of the last sibling
   * deployment closes it. Without it, every resume resumes everyone and nothing holds new clients.
   */
  window?: DeploymentWindow;
  /**
   * Where a resume asks whether the other deployments in the window are still under way: one that
   * ended without its resume is no sibling to wait for. Without it, every one is taken to be.
   */
  deployments?: Deployments | undefined;
}

export const maxLambdaMs = 15 * 60 * 1000;
/**
 * How long a hand-over keeps the lease and the hook execution for the invocation it starts: that
 * invocation's Lambda timeout and a minute, so a waiting run never takes either in between.
 */
export const handOverGraceMs = maxLambdaMs + 60_000;
/** Writes are retried until this close to the deadline, leaving time for the record and report. */
const writeMarginMs = 5_000;

export const defaultRunId = (kind: RunKind, now: number) =>
  `${kind}-${new Date(now).toISOString().replace(/[-:.]/g, '')}-${randomUUID().slice(0, 8)}`;

/** One run as it goes: who it is, what it was asked, what it has counted. */
export interface Run {
  options: RunChannelsOptions;
  identity: RunIdentity;
  fields: RunFields;
  tally: RunTally;
  timeoutMs: number;
  concurrency: number;
  deadlineMarginMs: number;
  posted?: BulkPostSummary<ChannelTarget>;
  written: { skipped: number };
  /** What the count said (with the invocations before); the total of a run that stopped early. */
  counted?: number;
  /** How many times the run was handed over before this invocation: 0 for its first. */
  handOvers: number;
  /** Renews the lease while the run holds it; stopped before a hand-over extends it. */
  leaseHeartbeat?: { stop(): void };
  /** Set when this invocation handed over: the lease stays with the run for the next one. */
  handedOver: boolean;
  session: StoreSession;
  /** Progress writes to the run record that failed (the run went on without them). */
  progressWriteFailures?: number;
}

/**
 * A run as it starts in this invocation: a new one, the one a hand-over names, or (`as`) one the
 * caller names (a failed suspend's undo: its own id, the suspend's start for the hook's hour).
 */
export function beginRun(
  options: RunChannelsOptions,
  as?: { runId: string; startedAt: number },
): Run {
  const { kind, invocation, settings } = options;
  const received = as ? undefined : invocation.handOver;
  const startedAt = as?.startedAt ?? received?.startedAt ?? options.clock.now();
  const runId =
    as?.runId ??
    received?.runId ??
    invocation.request.runId ??
    (options.newRunId ?? defaultRunId)(kind, startedAt);
  const timeoutMs = invocation.request.timeoutMs ?? settings.timeoutMs;
  const tally = new RunTally(options.failureSampleSize ?? 20, received?.countsSoFar);
  return {
    options,
    identity: {
      runId,
      startedAt,
      handOvers: received?.handOvers ?? 0,
      // Until a suspend opens or joins the deployment window (run/deployment-window.ts).
      windowId: received?.windowId ?? runId,
    },
    fields: {
      runId,
      kind,
      trigger: invocation.trigger,
      deploymentId:
        invocation.hook?.deploymentId ??
        (invocation.trigger === 'deployment_ended'
          ? invocation.endedDeployment.deploymentId
          : null),
      lifecycleEventHookExecutionId: invocation.hook?.lifecycleEventHookExecutionId ?? null,
    },
    tally,
    timeoutMs,
    concurrency: invocation.request.concurrency ?? settings.concurrency,
    // Enough for the posts in flight (with their throttling retries) and the last writes to end.
    deadlineMarginMs: options.deadlineMarginMs ?? 4 * timeoutMs + 10_000,
    written: { skipped: 0 },
    handOvers: received?.handOvers ?? 0,
    handedOver: false,
    session: {
      keepRetrying: () => options.remainingTimeMs() > writeMarginMs,
      leftOut: (target, fate) => tally.leftOut(target.connectionId, fate),
    },
  };
}

/**
 * Every connection read is in one bucket, so the total is what the run settled. A run that
 * stopped before the end (a deadline, a failure) also counts the ones it never reached as
 * remaining: the count said more; connections that changed between the count and the read
 * are counted as found.
 */
export function countTotal(run: Run, stoppedBeforeTheEnd: boolean): void {
  const { counts, settled } = run.tally;
  counts.total = stoppedBeforeTheEnd ? Math.max(run.counted ?? 0, settled) : settled;
  counts.remaining = counts.total - settled;
}

export function finish(run: Run, state: RunState, outcome: RunSummary['outcome']): RunSummary {
  const summary = summarizeRun({
    fields: run.fields,
    dryRun: run.options.invocation.request.dryRun,
    state,
    outcome,
    tally: run.tally,
    written: run.written,
    posted: run.posted,
    startedAt: run.identity.startedAt,
    finishedAt: run.options.clock.now(),
    failOnErrorRatio: run.options.settings.failOnErrorRatio,
  });
  if (run.progressWriteFailures) summary.progressWriteFailures = run.progressWriteFailures;
  return summary;
}

export const isoAt = (identity: RunIdentity) => new Date(identity.startedAt).toISOString();

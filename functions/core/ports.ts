// The ports the core talks through. The core never imports the AWS SDK or reads the environment:
// the composition roots in functions/handlers/ plug adapters into these.

import type { RunKind } from './hook-ports.js';
import type { RunProgress } from './run/progress-record.js';

/** A structured logger: the message is edeliver's text, the fields are the counts. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The registry operations the WebSocket route handlers need. */
export interface ConnectionRegistry {
  register(connection: {
    connectionId: string;
    connectedAt: number;
    expiresAt: number;
    /** The deployment window it was let in during (NEW_CONNECTIONS_DURING_DEPLOYMENT allow). */
    admittedInWindow?: string;
    /** The frame key the client connected with; absent for a client without the helper. */
    frameKey?: string;
  }): Promise<void>;
  remove(connectionId: string): Promise<void>;
}

/** Posts one message to one connection through the Management API. */
export interface MessagePoster {
  post(connectionId: string, data: Uint8Array, signal?: AbortSignal): Promise<void>;
}

/** A connection a suspend or resume run posts to, as the registry lists it. */
export interface ChannelTarget {
  connectionId: string;
  /** The suspend run that suspended it (resume only; null on suspend). */
  suspendedBy: string | null;
  resumeAttempts: number;
  /** The frame key it connected with, which its frames carry; absent for a client without one. */
  frameKey?: string;
}

/** Which run a store works for: suspend marks with its id; only older connections are suspended. */
export interface RunIdentity {
  runId: string;
  startedAt: number;
  /** How many times the run was handed over before this invocation: 0 for its first. */
  handOvers: number;
  /**
   * The deployment window the run belongs to (its id; the run's own id where it has none): a
   * suspend skips the connections suspended in it and those $connect let in while it was open.
   */
  windowId: string;
}

/** What became of one write: written, skipped by its condition, or lost after every retry. */
export type WriteFate = 'written' | 'skipped' | 'unrecorded';

/** What a run tells its store for the time it works with it. */
export interface StoreSession {
  /** False once the run nears its deadline: retries of throttled writes stop then. */
  keepRetrying(): boolean;
  /**
   * A connection the store read but does not hand out: it changed meanwhile (disconnected or
   * suspended by another run: `skipped`), or it could not be marked (`unrecorded`).
   */
  leftOut(target: ChannelTarget, fate: 'skipped' | 'unrecorded'): void;
}

/** What a run reads its targets from and writes each result to. */
export interface ChannelStore {
  /** How many connections the run would handle. Throws RegistryNotDetectedError when the registry lacks its index. */
  count(run: RunIdentity): Promise<number>;
  /**
   * The targets, page by page, pulled only as fast as they are posted to. A suspend store marks
   * each page suspended by this run before it hands it out, so a crash never leaves a client
   * told to suspend but not recorded as suspended.
   */
  pages(run: RunIdentity, session: StoreSession): AsyncIterable<readonly ChannelTarget[]>;
  /** Where the results go; writes are batched, `flush` waits for the last of them. */
  recorder(run: RunIdentity, session: StoreSession): ResultRecorder;
  /**
   * Takes back targets it handed out that the run never posted to (the rest of the page at a
   * stop): a suspend store unmarks them, so that the invocation the run is handed over to, or the
   * next run, finds them.
   */
  giveBack?(
    run: RunIdentity,
    session: StoreSession,
    targets: readonly ChannelTarget[],
  ): Promise<void>;
}

export interface RecordedResult {
  target: ChannelTarget;
  failure:
    | { reason: string; name: string; status: number | undefined; message: string }
    | undefined;
}

export interface ResultRecorder {
  /**
   * Queues the result's write; `recorded` hears its fate (at once when nothing is written).
   * A returned promise holds the caller back while too many writes are in flight.
   */
  record(result: RecordedResult, recorded: (fate: WriteFate) => void): void | Promise<void>;
  /** Waits for every write queued; every `recorded` has been called when it resolves. */
  flush(): Promise<RecorderSummary>;
}

export interface RecorderSummary {
  /** Writes skipped by their condition: the connection was deleted or suspended again meanwhile. */
  skipped: number;
  /** Results that could not be written after retries; those connections stay as they were. */
  unrecorded: number;
  /** DynamoDB calls made by the recorder. */
  calls: number;
}

/**
 * `handed_over`: this invocation neared its deadline and handed the run over to a new one;
 * `duplicate`: a hand-over event whose run had finished, or that another delivery of the same
 * event runs: it did nothing.
 */
export type RunState =
  | 'running'
  | 'completed'
  | 'incomplete'
  | 'failed'
  | 'handed_over'
  | 'duplicate';

/** What the Runs table keeps of a run. */
export type RunRecord = Record<string, unknown> & { runId: string; state: RunState };

/** The Runs table's record of each run, kept for a while after it ends. */
export interface RunRecords {
  save(record: RunRecord): Promise<void>;
  /**
   * Marks a run that died while running (its lease expired) as failed, if its record still
   * says running: a killed run's record does not say `running` for 30 days.
   */
  abandon(runId: string, reason: string): Promise<void>;
  /** The state the run's record says, if it has one (a hand-over event checks it first). */
  stateOf(runId: string): Promise<RunState | undefined>;
  /** Writes a running run's progress into its record; does nothing once the record says it ended. */
  progress(runId: string, progress: RunProgress): Promise<void>;
}

/** The run whose expired lease a new run took over. */
export interface ExpiredHolder {
  runId: string;
  kind: RunKind;
  leaseUntil: number;
}

/** The one lease that keeps two runs from overlapping; it expires on its own if its holder dies. */
export interface RunLease {
  /**
   * Throws RunInProgressError when another run holds a lease that has not expired. Returns the
   * holder whose expired lease it took over, if any. An invocation a run was handed over to
   * (`handOvers` > 0) takes the lease its run holds, once per hand-over (a second delivery of the
   * same hand-over event is refused).
   */
  acquire(
    runId: string,
    kind: RunKind,
    untilMs: number,
    handOvers?: number,
  ): Promise<ExpiredHolder | undefined>;
  release(runId: string): Promise<void>;
  /**
   * Moves the lease's expiry to `untilMs` while `runId` holds it (a heartbeat, or a hand-over that
   * keeps it for the next invocation); with `next`, the lease passes to that run and hand-over
   * count (a failed suspend's undo goes on under its own run id). False when `runId` no longer
   * holds it.
   */
  extend(
    runId: string,
    untilMs: number,
    next?: { runId: string; handOvers: number },
  ): Promise<boolean>;
}

export type {
  DeploymentState,
  Deployments,
  HookClaim,
  HookExecution,
  HookExecutions,
  HookReporter,
  HookStatus,
  Invoker,
  LifecycleHook,
  RunKind,
} from './hook-ports.js';
export type { DeploymentWindow, DeploymentWindowState } from './registry/deployment-window.js';
export type { RunPhase, RunProgress } from './run/progress-record.js';

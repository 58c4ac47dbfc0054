import { RunInProgressError } from '../../functions/core/errors.js';
import type {
  ChannelStore,
  ChannelTarget,
  DeploymentWindow,
  DeploymentWindowState,
  Logger,
  MessagePoster,
  RecordedResult,
  RecorderSummary,
  ResultRecorder,
  RunIdentity,
  RunKind,
  RunLease,
  RunProgress,
  RunRecord,
  RunRecords,
  RunState,
  StoreSession,
  WriteFate,
} from '../../functions/core/ports.js';

// In-memory fakes of the run's ports, for unit tests of the core.

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];
  debug(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'debug', message, fields });
  }
  info(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, fields });
  }
  messages(level?: LogLine['level']): string[] {
    return this.lines.filter((line) => !level || line.level === level).map((line) => line.message);
  }
}

/** A store over an array of targets; records what the run wrote back. */
export class InMemoryStore implements ChannelStore {
  readonly recorded: RecordedResult[] = [];
  pagesPulled = 0;
  /** What each result's write comes to; every write succeeds unless a test says otherwise. */
  writeFate: (result: RecordedResult) => WriteFate = () => 'written';
  constructor(
    readonly targets: ChannelTarget[],
    readonly pageSize = 10,
    readonly countError?: Error,
  ) {}
  async count(_run: RunIdentity): Promise<number> {
    if (this.countError) throw this.countError;
    return this.targets.length;
  }
  /** Connections read but not handed out (as a suspend store that could not mark them). */
  readonly leftOut = new Map<string, 'skipped' | 'unrecorded'>();
  async *pages(_run: RunIdentity, session: StoreSession): AsyncGenerator<readonly ChannelTarget[]> {
    for (let start = 0; start < this.targets.length; start += this.pageSize) {
      this.pagesPulled++;
      const page = this.targets.slice(start, start + this.pageSize);
      for (const target of page) {
        const fate = this.leftOut.get(target.connectionId);
        if (fate) session.leftOut(target, fate);
      }
      yield page.filter((target) => !this.leftOut.has(target.connectionId));
    }
  }
  recorder(_run: RunIdentity): ResultRecorder {
    return {
      record: (result, recorded) => {
        this.recorded.push(result);
        recorded(this.writeFate(result));
      },
      flush: async (): Promise<RecorderSummary> => ({ skipped: 0, unrecorded: 0, calls: 0 }),
    };
  }
}

export class InMemoryRunRecords implements RunRecords {
  readonly saved = new Map<string, RunRecord>();
  readonly saves: Array<{ runId: string; state: RunState }> = [];
  async save(record: RunRecord) {
    this.saved.set(record.runId, record);
    this.saves.push({ runId: record.runId, state: record.state });
  }
  async stateOf(runId: string) {
    return this.saved.get(runId)?.state;
  }
  /** Every progress write, in order; a record that no longer says running keeps what it says. */
  readonly progressWrites: Array<{ runId: string; progress: RunProgress }> = [];
  async progress(runId: string, progress: RunProgress) {
    this.progressWrites.push({ runId, progress });
    const record = this.saved.get(runId);
    if (record?.state === 'running') this.saved.set(runId, { ...record, progress });
  }
  async abandon(runId: string, reason: string) {
    const record = this.saved.get(runId);
    if (record?.state === 'running') this.saved.set(runId, { ...record, state: 'failed', reason });
  }
}

/** The lease as DynamoDBRunLease keeps it: held until `untilMs`, then free for the next run. */
export class InMemoryRunLease implements RunLease {
  held: { runId: string; kind: RunKind; untilMs: number; handOvers: number } | undefined;
  /** Every run that asked for the lease, in order. */
  readonly requests: string[] = [];
  constructor(readonly now: () => number = Date.now) {}
  async acquire(runId: string, kind: RunKind, untilMs: number, handOvers = 0) {
    this.requests.push(runId);
    const old = this.held;
    const handedOver = old?.runId === runId && old.handOvers < handOvers;
    if (old && old.untilMs >= this.now() && !handedOver) {
      throw new RunInProgressError(`held by ${old.runId}`, { holder: old.runId });
    }
    this.held = { runId, kind, untilMs, handOvers };
    if (!old || old.runId === runId) return undefined;
    return { runId: old.runId, kind: old.kind, leaseUntil: old.untilMs };
  }
  async release(runId: string) {
    if (this.held?.runId === runId) this.held = undefined;
  }
  async extend(runId: string, untilMs: number, next?: { runId: string; handOvers: number }) {
    if (this.held?.runId !== runId) return false;
    this.held = {
      ...this.held,
      untilMs,
      ...(next ? { runId: next.runId, handOvers: next.handOvers } : {}),
    };
    return true;
  }
}

/** Answers each connection as `behaviour(connectionId)` says; records what it was sent. */
export class ScriptedPoster implements MessagePoster {
  readonly frames = new Map<string, string[]>();
  constructor(readonly behaviour: (connectionId: string) => Promise<void> | void = () => {}) {}
  async post(connectionId: string, data: Uint8Array) {
    await this.behaviour(connectionId);
    const frames = this.frames.get(connectionId) ?? [];
    frames.push(Buffer.from(data).toString('utf8'));
    this.frames.set(connectionId, frames);
  }
}

export const httpError = (status: number, name = 'Unknown') =>
  Object.assign(new Error(`status ${status}`), { name, $metadata: { httpStatusCode: status } });

export const targets = (count: number, suspendedBy: string | null = 'suspend-1'): ChannelTarget[] =>
  Array.from({ length: count }, (_, index) => ({
    connectionId: `c${index}`,
    suspendedBy,
    resumeAttempts: 0,
  }));

/** The deployment window as DynamoDBDeploymentWindow keeps it: one item, a set of deployments. */
export class InMemoryDeploymentWindow implements DeploymentWindow {
  state: DeploymentWindowState | undefined;
  /** Every call, in order, for tests of who opened, left and closed. */
  readonly calls: string[] = [];
  /** Windows opened so far: each new one gets the next id. */
  opened = 0;
  async read() {
    return this.state && { ...this.state, deployments: [...this.state.deployments] };
  }
  async open(opening: {
    runId: string;
    deploymentId: string | null;
    now: number;
    openUntil: number;
  }) {
    this.calls.push(`open ${opening.runId}`);
    const joined = opening.deploymentId === null ? [] : [opening.deploymentId];
    const old = this.state;
    if (!old || old.openUntil <= opening.now) {
      this.state = {
        windowId: `window-${++this.opened}`,
        openedBy: opening.runId,
        openUntil: opening.openUntil,
        deployments: joined,
      };
    } else {
      this.state = {
        windowId: old.windowId,
        openedBy: old.openUntil < opening.openUntil ? opening.runId : old.openedBy,
        openUntil: Math.max(old.openUntil, opening.openUntil),
        deployments: [...new Set([...old.deployments, ...joined])],
      };
    }
    return { ...this.state, deployments: [...this.state.deployments] };
  }
  async leave(deploymentId: string) {
    this.calls.push(`leave ${deploymentId}`);
    if (!this.state) return undefined;
    this.state = {
      ...this.state,
      deployments: this.state.deployments.filter((id) => id !== deploymentId),
    };
    return this.read();
  }
  async close(options: { force: boolean }) {
    this.calls.push(options.force ? 'close (force)' : 'close');
    if (this.state && !options.force && this.state.deployments.length > 0) return false;
    this.state = undefined;
    return true;
  }
}

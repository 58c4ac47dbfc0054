import type { Invocation } from '../invocation/parse.js';
import type { HookStatus, RunKind, RunRecord, RunState } from '../ports.js';
import type { BulkPostSummary } from '../posting/bulk-post.js';
import { type Counts, errorRatio, type Outcome } from './outcome.js';
import type { FailureSample, RunTally } from './tally.js';

// The shape of a finished run: what the handler returns (the console shows it), what the Runs
// table keeps, and what a CodeDeploy hook reports.

/** The fields that name a run on every log line and in its record. */
export interface RunFields {
  runId: string;
  kind: RunKind;
  trigger: Invocation['trigger'];
  deploymentId: string | null;
  lifecycleEventHookExecutionId: string | null;
}

export interface RunSummary extends RunFields {
  dryRun: boolean;
  state: RunState;
  outcome: Outcome | 'dry_run';
  counts: Counts;
  /** Share of attempted posts that timed out, failed or were not recorded (gone and throttled excluded). */
  errorRatio: number;
  /** Results skipped by their write condition (deleted or suspended again meanwhile). */
  skipped: number;
  /** Results that could not be written (counts.unrecorded); those connections stay as they were. */
  unrecorded: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  postsPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  maxInFlight: number;
  failures: FailureSample[];
  /** What a CodeDeploy hook reports for this run. */
  hookStatus: HookStatus;
  message: string;
  /** A failed suspend: the resume run that undid it before it reported Failed. */
  undo?: { runId: string; outcome: RunSummary['outcome']; counts: Counts } | undefined;
  /** A resume that left the resuming to these sibling deployments, still shifting traffic. */
  siblingDeployments?: string[];
  /** Progress writes to the run record that failed; the run went on without them. */
  progressWriteFailures?: number;
}

export interface SummaryInput {
  fields: RunFields;
  dryRun: boolean;
  state: RunState;
  outcome: RunSummary['outcome'];
  tally: RunTally;
  written: { skipped: number };
  posted: BulkPostSummary | undefined;
  startedAt: number;
  finishedAt: number;
  failOnErrorRatio: number | undefined;
}

/** The summary of a run as it stands; Failed only when the error ratio is over the setting. */
export function summarizeRun(input: SummaryInput): RunSummary {
  const { counts } = input.tally;
  const durationMs = input.finishedAt - input.startedAt;
  const ratio = errorRatio(counts);
  const overRatio = input.failOnErrorRatio !== undefined && ratio > input.failOnErrorRatio;
  const summary: RunSummary = {
    ...input.fields,
    dryRun: input.dryRun,
    state: input.state,
    outcome: input.outcome,
    counts: { ...counts },
    errorRatio: ratio,
    skipped: input.written.skipped,
    unrecorded: counts.unrecorded,
    startedAt: new Date(input.startedAt).toISOString(),
    finishedAt: new Date(input.finishedAt).toISOString(),
    durationMs,
    postsPerSecond:
      input.posted && durationMs > 0 ? Math.round((input.posted.settled * 1000) / durationMs) : 0,
    latencyMs: input.posted?.latency ?? { p50: 0, p99: 0, max: 0 },
    maxInFlight: input.posted?.maxInFlight ?? 0,
    failures: input.tally.failures,
    hookStatus: overRatio ? 'Failed' : 'Succeeded',
    message: '',
  };
  summary.message = overRatio
    ? `Error ratio ${ratio.toFixed(4)} is over FAIL_ON_ERROR_RATIO ${input.failOnErrorRatio}.`
    : runMessage(summary);
  return summary;
}

/** What the Runs table keeps of a run. */
export function runRecordOf(summary: RunSummary): RunRecord {
  return {
    runId: summary.runId,
    kind: summary.kind,
    trigger: summary.trigger,
    deploymentId: summary.deploymentId,
    lifecycleEventHookExecutionId: summary.lifecycleEventHookExecutionId,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    durationMs: summary.durationMs,
    state: summary.state,
    outcome: summary.outcome,
    counts: summary.counts,
    skipped: summary.skipped,
    unrecorded: summary.unrecorded,
    failures: summary.failures,
    hookStatus: summary.hookStatus,
    message: summary.message,
    ...(summary.siblingDeployments ? { siblingDeployments: summary.siblingDeployments } : {}),
    ...(summary.progressWriteFailures
      ? { progressWriteFailures: summary.progressWriteFailures }
      : {}),
  };
}

/** The one-line message of a summary: what the console and CodeDeploy's operator read first. */
export function runMessage(summary: RunSummary): string {
  const { counts } = summary;
  const verb = summary.kind === 'suspend' ? 'suspended' : 'resumed';
  switch (summary.outcome) {
    case 'none':
      return `Nothing to do: no connections to be ${verb}.`;
    case 'dry_run':
      return `Dry run: ${counts.total} connections would be ${verb}; nothing was posted or written.`;
    case 'not_detected':
      return 'The registry has not the expected shape (the suspended index is missing); nothing was done.';
    default: {
      const clauses = [
        `${counts.delivered} of ${counts.total} connections ${verb}`,
        `${counts.gone} gone`,
        `${counts.timedOut} timed out`,
        `${counts.throttled} throttled`,
        `${counts.failed} failed`,
      ];
      if (counts.unrecorded > 0) {
        clauses.push(`${counts.unrecorded} not recorded (they stay as they were)`);
      }
      if (counts.skipped > 0) clauses.push(`${counts.skipped} changed meanwhile (left alone)`);
      if (counts.remaining > 0) clauses.push(`${counts.remaining} not reached before the deadline`);
      return `${clauses.join(', ')}.`;
    }
  }
}

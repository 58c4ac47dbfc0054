import type { DeploymentWindowState, RunRecord } from '../functions/core/ports.js';
import type { Counts } from '../functions/core/run/outcome.js';
import { table } from './table.js';

// What the operator commands print, as pure functions of what they read: a live line with a
// progress bar on a terminal, plain lines elsewhere (no colour, no bar, no cursor moves), JSON
// lines with --json. The caller decides which, from stdout.isTTY and the options.

export interface OutputStyle {
  /** A terminal: one live line rewritten in place, with a bar and colours (unless NO_COLOR). */
  tty: boolean;
  colour: boolean;
  /** The terminal's width, for the bar. */
  columns: number;
}

/** A run as its record shows it, running (its progress) or ended (its counts). */
export interface RunView {
  runId: string;
  kind: string;
  state: string;
  outcome: string | undefined;
  phase: string | undefined;
  total: number;
  settled: number;
  counts: Counts;
  handOvers: number;
}

const reasons: ReadonlyArray<[keyof Counts, string]> = [
  ['delivered', 'delivered'],
  ['gone', 'gone'],
  ['timedOut', 'timed out'],
  ['throttled', 'throttled'],
  ['failed', 'failed'],
  ['unrecorded', 'unrecorded'],
  ['skipped', 'skipped'],
  ['remaining', 'not reached'],
];

const number = (value: unknown) => (typeof value === 'number' ? value : 0);

export function viewOf(record: RunRecord): RunView {
  const progress = record.progress as Record<string, unknown> | undefined;
  const raw = (progress?.counts ?? record.counts ?? {}) as Partial<Record<keyof Counts, unknown>>;
  const counts = Object.fromEntries(
    ['total', ...reasons.map(([key]) => key)].map((key) => [key, number(raw[key as keyof Counts])]),
  ) as unknown as Counts;
  const settled =
    counts.delivered +
    counts.gone +
    counts.timedOut +
    counts.throttled +
    counts.failed +
    counts.unrecorded +
    counts.skipped;
  return {
    runId: record.runId,
    kind: String(record.kind ?? ''),
    state: record.state,
    outcome: typeof record.outcome === 'string' ? record.outcome : undefined,
    phase: typeof progress?.phase === 'string' ? progress.phase : undefined,
    total: progress ? number(progress.total) : counts.total,
    settled,
    counts,
    handOvers: number(progress?.handOvers),
  };
}

/** "delivered 40 · gone 2 · ...": every reason a connection was counted for, delivered always. */
export function countsText(counts: Counts, separator = ' · '): string {
  return reasons
    .filter(([key]) => key === 'delivered' || counts[key] > 0)
    .map(([key, label]) => `${label} ${counts[key]}`)
    .join(separator);
}

const paint = (style: OutputStyle, code: number, text: string) =>
  style.colour ? `\u001b[${code}m${text}\u001b[0m` : text;

export function progressBar(settled: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, settled / total) : 1;
  const filled = Math.round(share * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/** One line for the run as it stands: the live line on a terminal, a log line elsewhere. */
export function runLine(view: RunView, elapsedMs: number | undefined, style: OutputStyle): string {
  const of = `${view.settled}/${view.total}`;
  const handedOver = view.handOvers > 0 ? ` (invocation ${view.handOvers + 1})` : '';
  const seconds = elapsedMs === undefined ? '' : `${(elapsedMs / 1000).toFixed(1)} s`;
  if (!style.tty) {
    const at = seconds ? `, ${seconds}` : '';
    return `${view.kind} ${view.runId}: ${view.state}${handedOver}, ${of} (${countsText(view.counts, ', ')})${at}`;
  }
  const text = `${countsText(view.counts)}  ${seconds}${handedOver}`;
  const width = Math.max(10, Math.min(40, style.columns - text.length - of.length - 16));
  const bar = paint(style, 36, progressBar(view.settled, view.total, width));
  return `${view.kind} ${bar} ${of}  ${text}`;
}

/** While no record exists: the run waits for the lease, or the function has not started yet. */
export function waitingLine(
  kind: string,
  runId: string,
  lease: { holder: string; kind: string } | 'own' | undefined,
): string {
  if (lease === 'own') return `${kind} ${runId}: started, counting the connections`;
  const why = lease ? `, waiting for ${lease.holder} (${lease.kind}) to end` : '';
  return `${kind} ${runId}: not started yet${why}`;
}

/** A finished run: its counts as a table, and its message. */
export function finalText(record: RunRecord, style: OutputStyle): string {
  const view = viewOf(record);
  const good = view.state === 'completed' && record.hookStatus !== 'Failed';
  const head = paint(
    style,
    good ? 32 : 31,
    `${view.kind} ${view.runId}: ${view.state}, ${view.outcome ?? 'no outcome'}`,
  );
  const rows = [[view.total, ...reasons.map(([key]) => view.counts[key]), durationOf(record)]];
  const columns = ['total', ...reasons.map(([, label]) => label), 'duration'];
  const message = typeof record.message === 'string' && record.message ? `\n${record.message}` : '';
  return `${head}\n${table(columns, rows)}${message}`;
}

export function durationOf(record: RunRecord): string {
  return typeof record.durationMs === 'number' ? `${record.durationMs} ms` : '';
}

/** What `status` read. */
export interface StatusReport {
  target: { label: string; connectionsTable: string; runsTable: string };
  window: DeploymentWindowState | undefined;
  /** Undefined when the Connections table has no suspended index. */
  suspended: number | undefined;
  lease: { holder: string; kind: string; leaseUntil: number } | undefined;
  runs: RunRecord[];
}

export function statusText(report: StatusReport, now: number, style: OutputStyle): string {
  const { window } = report;
  const open = window !== undefined && window.openUntil > now;
  const windowText = !window
    ? 'closed'
    : `${open ? paint(style, 33, 'open') : 'closed (past its bound)'} until ${iso(window.openUntil)}${open ? ` (${minutes(window.openUntil - now)} left)` : ''}\n${' '.repeat(19)}deployments: ${window.deployments.join(', ') || 'none (a manual suspend)'}; opened by ${window.openedBy}`;
  const lease =
    report.lease && report.lease.leaseUntil > now
      ? `held by ${report.lease.holder} (${report.lease.kind}) until ${iso(report.lease.leaseUntil)}`
      : 'free';
  const suspended =
    report.suspended === undefined
      ? 'unknown: the Connections table has no suspended index'
      : `${report.suspended} connection${report.suspended === 1 ? '' : 's'}`;
  const lines = [
    `ws-channels ${report.target.label} (tables ${report.target.connectionsTable}, ${report.target.runsTable})`,
    `deployment window  ${windowText}`,
    `suspended          ${suspended}`,
    `run lease          ${lease}`,
    '',
    report.runs.length === 0 ? 'No runs recorded in the last 30 days.' : `Last runs:`,
  ];
  if (report.runs.length > 0) lines.push(runsTable(report.runs));
  return lines.join('\n');
}

function runsTable(records: readonly RunRecord[]): string {
  const rows = records.map((record) => {
    const view = viewOf(record);
    return [
      view.runId,
      record.trigger,
      view.state === 'running' ? `running ${view.settled}/${view.total}` : view.state,
      view.outcome ?? '',
      view.total,
      view.counts.delivered,
      view.counts.gone,
      view.counts.timedOut,
      view.counts.throttled,
      view.counts.failed,
      view.counts.remaining,
      String(record.startedAt ?? '')
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z'),
      durationOf(record),
    ];
  });
  const columns = ['run', 'trigger', 'state', 'outcome', 'total', 'delivered', 'gone'];
  columns.push('timed out', 'throttled', 'failed', 'not reached', 'started', 'duration');
  return table(columns, rows);
}

const iso = (epochMs: number) => new Date(epochMs).toISOString();

function minutes(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

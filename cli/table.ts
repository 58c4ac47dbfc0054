// Plain-text tables for the terminal: the run summaries the functions return, and the frames
// each demo client received.

export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map((cell) => String(cell ?? '')));
  const widths = headers.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const [head = [], ...body] = cells;
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

interface SummaryLike {
  kind?: unknown;
  outcome?: unknown;
  state?: unknown;
  durationMs?: unknown;
  message?: unknown;
  counts?: Partial<Record<string, unknown>>;
}

export const runColumns = [
  'run',
  'outcome',
  'state',
  'total',
  'delivered',
  'gone',
  'timed out',
  'throttled',
  'failed',
  'not reached',
  'duration',
] as const;

export function runRow(summary: SummaryLike): unknown[] {
  const counts = summary.counts ?? {};
  return [
    summary.kind,
    summary.outcome,
    summary.state,
    counts.total,
    counts.delivered,
    counts.gone,
    counts.timedOut,
    counts.throttled,
    counts.failed,
    counts.remaining,
    typeof summary.durationMs === 'number' ? `${summary.durationMs} ms` : '',
  ];
}

export function runTable(summaries: readonly SummaryLike[]): string {
  return table(runColumns, summaries.map(runRow));
}

import { table } from '../../cli/table.js';
import type { CaseOutcome } from './fault-case.js';

// The fault suite's table: one row per case, what was injected and what became of the clients.

export const faultColumns = [
  'case',
  'connections',
  'faults injected',
  'done',
  'deleted',
  'left',
  'lost',
  'stuck',
  'double-sent',
  'statuses per hook',
  'result',
] as const;

export function faultRow(outcome: CaseOutcome): unknown[] {
  const { counts, connections, statusesPerHook } = outcome.invariant;
  const statuses = Object.entries(statusesPerHook)
    .map(([hookId, list]) => `${hookId}: ${list.join(', ')}`)
    .join('; ');
  return [
    outcome.name,
    connections,
    outcome.faultsInjected,
    counts.done,
    counts.deleted,
    counts.left,
    counts.lost,
    counts.stuck,
    counts.doubleSent,
    statuses || '-',
    outcome.problems.length === 0 ? 'pass' : 'FAIL',
  ];
}

export function faultTable(outcomes: readonly CaseOutcome[]): string {
  return table(faultColumns, outcomes.map(faultRow));
}

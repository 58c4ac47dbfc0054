import { describe, expect, it } from 'vitest';
import {
  countsText,
  finalText,
  type OutputStyle,
  progressBar,
  runLine,
  statusText,
  viewOf,
} from '../../../cli/render.js';
import type { RunRecord } from '../../../functions/core/ports.js';
import { emptyCounts } from '../../../functions/core/run/outcome.js';

// What the operator commands print: a bar and colours on a terminal, plain lines elsewhere.

const terminal: OutputStyle = { tty: true, colour: true, columns: 120 };
const pipe: OutputStyle = { tty: false, colour: false, columns: 80 };
const csi = '\u001b[';

const running: RunRecord = {
  runId: 'resume-1',
  kind: 'resume',
  state: 'running',
  progress: {
    phase: 'posting',
    total: 400,
    read: 300,
    counts: { ...emptyCounts(), total: 400, delivered: 190, gone: 8, timedOut: 2 },
    handOvers: 0,
    updatedAt: '2026-12-07T10:00:02.000Z',
  },
};

const ended: RunRecord = {
  runId: 'resume-1',
  kind: 'resume',
  state: 'completed',
  outcome: 'errors',
  hookStatus: 'Succeeded',
  durationMs: 4120,
  counts: { ...emptyCounts(), total: 400, delivered: 390, gone: 8, timedOut: 2 },
  message: '390 of 400 connections resumed, 8 gone, 2 timed out, 0 throttled, 0 failed.',
};

describe('a run as it goes', () => {
  it('reads the progress of a running record and the counts of an ended one', () => {
    expect(viewOf(running)).toMatchObject({ total: 400, settled: 200, phase: 'posting' });
    expect(viewOf(ended)).toMatchObject({ total: 400, settled: 400, outcome: 'errors' });
  });

  it('names every reason a connection was counted for, delivered always', () => {
    expect(countsText(viewOf(running).counts)).toBe('delivered 190 · gone 8 · timed out 2');
    expect(countsText(emptyCounts())).toBe('delivered 0');
  });

  it('draws a bar of the share settled', () => {
    expect(progressBar(200, 400, 10)).toBe('█████░░░░░');
    expect(progressBar(0, 0, 4)).toBe('████');
  });

  it('on a terminal: the bar (coloured), settled of total, the counts and the seconds', () => {
    const line = runLine(viewOf(running), 3_400, terminal);

    expect(line).toContain('█');
    expect(line).toContain(`${csi}36m`);
    expect(line).toContain('200/400  delivered 190 · gone 8 · timed out 2  3.4 s');
  });

  it('elsewhere: one plain line, no bar, no csi codes', () => {
    const line = runLine(viewOf(running), undefined, pipe);

    expect(line).toBe('resume resume-1: running, 200/400 (delivered 190, gone 8, timed out 2)');
  });

  it('says which invocation goes on with a run that was handed over', () => {
    const handedOver = { ...running, progress: { ...(running.progress as object), handOvers: 1 } };

    expect(runLine(viewOf(handedOver), undefined, pipe)).toContain('running (invocation 2)');
  });

  it('ends with a table of the counts and the message, coloured only on a terminal', () => {
    const plain = finalText(ended, pipe);

    expect(plain).not.toContain(csi);
    expect(plain.split('\n')).toEqual([
      'resume resume-1: completed, errors',
      'total  delivered  gone  timed out  throttled  failed  unrecorded  skipped  not reached  duration',
      '-----  ---------  ----  ---------  ---------  ------  ----------  -------  -----------  --------',
      '400    390        8     2          0          0       0           0        0            4120 ms',
      '390 of 400 connections resumed, 8 gone, 2 timed out, 0 throttled, 0 failed.',
    ]);
    expect(finalText(ended, terminal)).toContain(`${csi}32mresume resume-1: completed`);
    expect(finalText({ ...ended, state: 'failed' }, terminal)).toContain(`${csi}31m`);
  });
});

describe('the status', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');
  const report = {
    target: { label: 'chat-prod', connectionsTable: 'c', runsTable: 'r' },
    window: {
      windowId: 'suspend-9',
      openedBy: 'suspend-9',
      openUntil: now + 14 * 60_000 + 5_000,
      deployments: ['d-A1', 'd-B2'],
    },
    suspended: 1_203,
    lease: { holder: 'resume-1', kind: 'resume', leaseUntil: now + 30_000 },
    runs: [running, { ...ended, runId: 'suspend-9', kind: 'suspend', trigger: 'codedeploy' }],
  };

  it('shows the open window, its deployments and bound, the suspended count, the lease and the runs', () => {
    const text = statusText(report, now, pipe);

    expect(text).toContain(
      'deployment window  open until 2026-12-07T10:14:05.000Z (14 min 5 s left)\n                   deployments: d-A1, d-B2; opened by suspend-9\n',
    );
    expect(text).toContain('suspended          1203 connections');
    expect(text).toContain(
      'run lease          held by resume-1 (resume) until 2026-12-07T10:00:30.000Z',
    );
    expect(text).toMatch(/resume-1 +running 200\/400/);
    expect(text).toMatch(/suspend-9 +codedeploy +completed +errors +400 +390 +8 +2/);
    expect(text).not.toContain(csi);
  });

  it('shows a closed window, a free lease and no runs', () => {
    const text = statusText(
      { ...report, window: undefined, lease: undefined, runs: [], suspended: 0 },
      now,
      pipe,
    );

    expect(text).toContain('deployment window  closed\n');
    expect(text).toContain('run lease          free');
    expect(text).toContain('No runs recorded in the last 30 days.');
  });

  it('says when the Connections table has no suspended index', () => {
    expect(statusText({ ...report, suspended: undefined }, now, pipe)).toContain(
      'unknown: the Connections table has no suspended index',
    );
  });
});

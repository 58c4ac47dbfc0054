import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChannelsClient, type ResumeDetail } from '../../../client/index.js';
import {
  CONNECTING,
  FakeSocket,
  recordEvents,
  resumeText,
  suspendFrame,
  suspendText,
} from '../../support/fake-socket.js';

describe('ChannelsClient: resumeBy', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const resumeBy = '2026-01-01T00:15:00.000Z';
  const resumeWithinMs = 15 * 60_000;
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse(at) });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  /** Still suspended 1 ms before `ms` have passed, active at `ms`. */
  const expectOwnResumeAfter = (client: ChannelsClient, ms: number) => {
    vi.advanceTimersByTime(ms - 1);
    expect(client.state).toBe('suspended');
    vi.advanceTimersByTime(1);
    expect(client.state).toBe('active');
  };

  it('resumes on its own when resumeBy passes with no resume, sends what it held and says why', () => {
    // Prepare
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1', resumeBy));
    client.send('a');
    client.send('b');

    // Act
    vi.advanceTimersByTime(resumeWithinMs - 1);
    const before = client.state;
    vi.advanceTimersByTime(1);

    // Assess
    expect(before).toBe('suspended');
    expect(client.state).toBe('active');
    expect(socket.sent).toEqual(['a', 'b']);
    expect(events).toEqual([
      { type: 'suspend', detail: suspendFrame('run-s1', resumeBy) },
      { type: 'resume', detail: { frame: null, flushed: 2, reason: 'resumeBy' } },
    ]);
    expect(vi.getTimerCount()).toBe(0);

    // A resume frame that comes late changes nothing.
    socket.receive(resumeText());
    expect(events).toHaveLength(2);
  });

  it('counts `resumeBy - at` from the frame`s arrival on its own clock, whatever that clock says', () => {
    // The client's clock is a day ahead of the server's: resumeBy is long past by that clock.
    vi.setSystemTime(Date.parse(at) + 24 * 60 * 60_000);
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText('run-s1', resumeBy));

    expectOwnResumeAfter(client, resumeWithinMs);
  });

  it('does not resume on its own after the resume frame came', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const events = recordEvents(client);
    socket.receive(suspendText('run-s1', resumeBy));
    vi.advanceTimersByTime(resumeWithinMs / 2);
    socket.receive(resumeText());
    vi.advanceTimersByTime(2 * resumeWithinMs);

    expect(events.map((event) => [event.type, (event.detail as ResumeDetail).reason])).toEqual([
      ['suspend', undefined],
      ['resume', 'frame'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits for the latest resumeBy of two suspend runs, and never shortens the wait', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
    socket.receive(suspendText('run-s1', resumeBy));
    vi.advanceTimersByTime(60_000);
    // A second deployment group's suspend, a minute later, with the same resumeBy.
    socket.receive(suspendText('run-s2', resumeBy));
    socket.receive(suspendText('run-s3', '2026-01-01T00:01:00.000Z'));
    socket.receive(suspendText('run-s4', null));

    expectOwnResumeAfter(client, resumeWithinMs);
  });

  it('resumes on its own after 15 minutes, the server default, when the frame gives no time or one it cannot read', () => {
    for (const resumeByGiven of [null, 'not a time']) {
      const socket = new FakeSocket();
      const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
      const events = recordEvents(client);
      socket.receive(suspendText('run-s1', resumeByGiven));

      expectOwnResumeAfter(client, 15 * 60_000);
      expect(events.at(-1)).toMatchObject({ type: 'resume', detail: { reason: 'resumeBy' } });
    }
  });

  it('waits at most 2 hours (API Gateway closes every connection by then), whatever resumeBy says', () => {
    for (const resumeByGiven of [
      '2026-01-01T02:00:00.001Z',
      '2026-01-02T00:00:00.000Z',
      '9999-12-31T00:00:00.000Z',
    ]) {
      const socket = new FakeSocket();
      const client = new ChannelsClient(socket, { pingIntervalMs: Infinity });
      socket.receive(suspendText('run-s1', resumeByGiven));

      expectOwnResumeAfter(client, 2 * 60 * 60_000);
    }
  });

  it('clears its timers on dispose and when it moves to a new socket (whose open resumes it)', () => {
    const first = new FakeSocket();
    const client = new ChannelsClient(first);
    const events = recordEvents(client);
    first.receive(suspendText('run-s1', resumeBy));
    expect(vi.getTimerCount()).toBe(2);

    const second = new FakeSocket(CONNECTING);
    client.attach(second);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 * resumeWithinMs);
    second.open();
    expect(events.map((event) => event.type)).toEqual(['suspend', 'resume']);
    expect(events[1]?.detail).toMatchObject({ reason: 'reconnect' });

    second.receive(suspendText('run-s2', resumeBy));
    expect(vi.getTimerCount()).toBe(2);
    client.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

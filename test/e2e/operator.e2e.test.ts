import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/local-stack.js';
import { useLocalStack } from '../support/stack-fixture.js';
import type { TestClient } from '../support/ws-clients.js';

// The operator commands on the local stack, as an operator runs them: `npm run status`,
// `npm run suspend` and `npm run resume` (the ws-channels bin's code, with the local stack's
// names), their output read from a pipe, as JSON, and from a terminal (a pty by `script`).

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('the operator commands on the local stack', () => {
  const localStack = useLocalStack();

  /** `npm run <script> -- <args>` against this file's stack, stdout a pipe. */
  const npmRun = (script: string, args: readonly string[] = []) =>
    run('npm', ['run', '-s', script, '--', ...args]);

  const run = (command: string, args: readonly string[]): Promise<Ran> => {
    const { ports } = localStack().stack;
    const child = spawn(command, args, {
      cwd: projectRoot,
      env: {
        ...process.env,
        WS_CHANNELS_LAMBDA_PORT: String(ports.lambda),
        WS_CHANNELS_DYNAMODB_PORT: String(ports.dynamodb),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  };

  it('suspends with plain lines in a pipe, shows the open window in status, resumes with JSON', async () => {
    const fixture = localStack();
    const clients: TestClient[] = [];
    for (let index = 0; index < 8; index++) clients.push(await fixture.connect());

    const suspended = await npmRun('suspend');
    const status = await npmRun('status');
    const resumed = await npmRun('resume', ['--json']);
    const after = await npmRun('status', ['--json']);

    expect(suspended).toMatchObject({ code: 0, stderr: '' });
    const lines = suspended.stdout.split('\n');
    expect(lines[0]).toMatch(/^suspend suspend-\S+: invoked ws-channels-local-wsChannelsSuspend$/);
    expect(lines).toContainEqual(expect.stringMatching(/^suspend suspend-\S+: completed, ok$/));
    expect(suspended.stdout).toMatch(/\n8 +8 +0 +0 +0 +0 +0 +0 +0 +\d+ ms\n/);
    for (const terminalOnly of ['\r', '\u001b', '█']) {
      expect(suspended.stdout).not.toContain(terminalOnly);
    }
    for (const client of clients) {
      await client.waitFor((frames) => frames.some((frame) => frame.includes('"suspend"')));
    }

    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^deployment window {2}open until \S+ \(\d+ min \d+ s left\)/m);
    expect(status.stdout).toContain('suspended          8 connections');
    expect(status.stdout).toMatch(/^suspend-\S+ +manual +completed +ok +8 +8 /m);

    expect(resumed.code).toBe(0);
    const events = resumed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; run?: Record<string, unknown> });
    expect(events[0]?.event).toBe('invoked');
    expect(events.at(-1)).toMatchObject({
      event: 'finished',
      run: { kind: 'resume', state: 'completed', outcome: 'ok', counts: { delivered: 8 } },
    });
    for (const client of clients) {
      await client.waitFor((frames) => frames.some((frame) => frame.includes('"resume"')));
    }

    const report = JSON.parse(after.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ window: null, suspended: 0 });
    expect((report.runs as { kind: string }[]).map((record) => record.kind)).toEqual([
      'resume',
      'suspend',
    ]);
  });

  it('draws the live bar on a terminal, and exits 2 naming a wrong option', async () => {
    const fixture = localStack();
    for (let index = 0; index < 3; index++) await fixture.connect();
    await npmRun('suspend');
    // util-linux's script gives the command a pty: stdout is a terminal there.
    const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
    expect(hasScript, 'script (util-linux) runs the command on a terminal').toBe(true);

    const onTerminal = await run('script', [
      '-q',
      '-e',
      '-c',
      'npm run -s resume -- --poll-ms 100',
      '/dev/null',
    ]);
    const wrong = await npmRun('status', ['--runs', 'all']);

    expect(onTerminal.code).toBe(0);
    // The live line is redrawn in place (carriage return, erase line) and ends with a full bar.
    expect(onTerminal.stdout).toContain('\r\u001b[2K');
    // Every client still connected, the first test's too.
    const colour = (code: number) => `${String.fromCharCode(27)}\\[${code}m`;
    expect(onTerminal.stdout).toMatch(
      new RegExp(`resume ${colour(36)}█+${colour(0)} (\\d+)/\\1 {2}delivered \\1 `),
    );
    expect(onTerminal.stdout).toMatch(/resume resume-\S+: completed, ok/);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'ws-channels: --runs is "all"; expected a whole number from 1 to 100.',
    );
  });
});

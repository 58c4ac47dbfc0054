import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

// A real browser for the end-to-end tests: Debian's Chromium (package `chromium`, which .ci/run
// installs when it is missing), driven by playwright-core, which downloads no browser of its own.

/** Where Debian's package puts Chromium; CHROMIUM_PATH names another one. */
export function chromiumPath(environment: NodeJS.ProcessEnv = process.env): string {
  const candidate = environment.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(
      `Chromium was not found at ${candidate}. On Debian/Ubuntu: sudo apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  return candidate;
}

// The machine has no network but loopback: without these, Chromium's background services (sync,
// component updates, field trials) try hosts they cannot reach, many at a time, at every start.
const quietFlags = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];

/** Headless Chromium; Playwright gives it a fresh profile and removes it at close(). */
export function launchChromium(): Promise<Browser> {
  // As root (CI here), Chromium refuses to start with its sandbox.
  const sandbox = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [...quietFlags, ...sandbox],
    timeout: 60_000,
  });
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../../scripts/lib/local-stack.js';

// The reference stack loads ws-channels' plugin and handlers from dist/ (serverless.yml), so the
// integration and end-to-end tiers build first: a test of a stale build would pass or fail for
// code that is no longer there. tsc takes seconds.
// The CDK construct deploys the functions' bundles (scripts/bundle-functions.ts, seconds too).
export default async function setup(): Promise<void> {
  const run = promisify(execFile);
  await run(
    process.execPath,
    [`${projectRoot}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'],
    { cwd: projectRoot, timeout: 300_000 },
  );
  await run(`${projectRoot}node_modules/.bin/tsx`, ['scripts/bundle-functions.ts'], {
    cwd: projectRoot,
    timeout: 300_000,
  });
}

import path from 'node:path';
import type { FunctionDescription } from '../infra/index.js';

// Where the suspend, resume and ping functions' code is, ready to deploy: `npm run build` bundles
// each handler with its dependencies into one ES module (scripts/bundle-functions.ts), so that a
// CDK app's synth needs neither Docker nor a bundler, and deploys the versions this package pins.

/** The bundles' folder, relative to the package root: each function's in a folder of its key. */
export const bundlesFolder = 'dist/cdk/functions';

/** The file of each bundle; `index.handler` is its Lambda handler. */
export const bundleFile = 'index.mjs';

/**
 * The folder of a function's bundle on this machine: beside this module once built
 * (dist/cdk/bundles.js), or in dist/ when this is the repository's source (cdk/bundles.ts).
 */
export function bundleFolder(described: FunctionDescription): string {
  const here = import.meta.dirname;
  const packageRoot = path.basename(path.dirname(here)) === 'dist' ? '../..' : '..';
  return path.join(here, packageRoot, bundlesFolder, described.key);
}

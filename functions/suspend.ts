import { runDependencies } from './lib/aws/run-adapters.js';
import { readRunConfig } from './lib/config.js';
import { runEventHandler } from './lib/run-handler.js';

// suspend (CodeDeploy BeforeAllowTraffic, or by hand): marks every active connection suspended
// by this run and posts it the suspend frame. See README "Running it from the console".
export const handler = runEventHandler({
  kind: 'suspend',
  dependencies: ({ logger }) => runDependencies('suspend', readRunConfig(), logger),
});

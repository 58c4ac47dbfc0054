import { runDependencies } from '../aws/run-adapters.js';
import { readRunConfig } from '../config/read-config.js';
import { runEventHandler } from './run-handler.js';

// suspend (CodeDeploy BeforeAllowTraffic, or by hand): marks every active connection suspended
// by this run and posts it the suspend frame. See docs/console.md.
export const handler = runEventHandler({
  kind: 'suspend',
  dependencies: ({ logger }) => runDependencies('suspend', readRunConfig(), logger),
});

import { runDependencies } from './lib/aws/run-adapters.js';
import { readRunConfig } from './lib/config.js';
import { runEventHandler } from './lib/run-handler.js';

// resume (CodeDeploy AfterAllowTraffic, or by hand): posts the resume frame to every suspended
// connection and records each result. See README "Running it from the console".
export const handler = runEventHandler({
  kind: 'resume',
  dependencies: ({ logger }) => runDependencies('resume', readRunConfig(), logger),
});

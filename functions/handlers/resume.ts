import { runDependencies } from '../aws/run-adapters.js';
import { readRunConfig } from '../config/read-config.js';
import { runEventHandler } from './run-handler.js';

// resume (CodeDeploy AfterAllowTraffic, or by hand): posts the resume frame to every suspended
// connection and records each result. See docs/console.md.
export const handler = runEventHandler({
  kind: 'resume',
  dependencies: ({ logger }) => runDependencies('resume', readRunConfig(), logger),
});

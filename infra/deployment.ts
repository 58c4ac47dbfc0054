import type { FunctionId } from './ids.js';

// How the app's function is deployed: CodeDeploy shifts its alias, suspend runs before the shift
// and resume after it (docs/deployment.md). The Serverless plugin renders this as the app's
// deploymentSettings (serverless-plugin-canary-deployments); the CDK construct will render it
// as a LambdaDeploymentGroup with a pre and a post hook.

export type LifecycleEvent = 'BeforeAllowTraffic' | 'AfterAllowTraffic';

export interface LifecycleHook {
  readonly event: LifecycleEvent;
  readonly function: FunctionId;
}

/** Suspend before CodeDeploy shifts traffic to the new version, resume after. */
export const lifecycleHooks: readonly LifecycleHook[] = [
  { event: 'BeforeAllowTraffic', function: 'suspend' },
  { event: 'AfterAllowTraffic', function: 'resume' },
];

/**
 * CodeDeploy's predefined Lambda deployment configurations (`CodeDeployDefault.Lambda{type}`),
 * the only ones serverless-plugin-canary-deployments can name.
 */
export const trafficShiftingTypes = [
  'AllAtOnce',
  'Canary10Percent5Minutes',
  'Canary10Percent10Minutes',
  'Canary10Percent15Minutes',
  'Canary10Percent30Minutes',
  'Linear10PercentEvery1Minute',
  'Linear10PercentEvery2Minutes',
  'Linear10PercentEvery3Minutes',
  'Linear10PercentEvery10Minutes',
] as const;
export type TrafficShifting = (typeof trafficShiftingTypes)[number];

export const defaultTrafficShifting: TrafficShifting = 'AllAtOnce';

/** The alias of the app's function that CodeDeploy shifts and its WebSocket routes call. */
export const defaultAlias = 'Live';

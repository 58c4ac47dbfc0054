import { functionKeyOf } from '../../scripts/lib/invoke.js';
import {
  type DeploymentRecord,
  endedLine,
  failedLine,
  lineCounter,
  type PlayDeploymentOptions,
  playDeployment,
} from './codedeploy-driver.js';
import { waitUntil } from './ws-clients.js';

// Sibling deployment groups as CloudFormation runs them: an app with a function per route has a
// CodeDeploy deployment group per function, and one stack update starts a deployment in each, side
// by side. Each is played as CodeDeploy plays it (codedeploy-driver.ts): its own suspend, shift and
// resume, with its own deployment id and hook execution ids.

export interface SiblingGroup {
  deploymentId: string;
  /** When CloudFormation gets to this group's alias, after the first. */
  startAfterMs: number;
  /** This group's traffic shift (a different length per group orders the resumes). */
  shiftTraffic: () => Promise<void>;
}

export interface PlaySiblingsOptions
  extends Omit<PlayDeploymentOptions, 'deploymentId' | 'shiftTraffic'> {
  groups: readonly SiblingGroup[];
}

/**
 * Plays every group's deployment at once; returns their records, in the order of `groups`, once
 * every invocation of a hook function has ended (the driver of one deployment counts the stack's
 * lines of the function, which its siblings' invocations print too).
 */
export async function playSiblingDeployments(
  options: PlaySiblingsOptions,
): Promise<DeploymentRecord[]> {
  const { groups, ...shared } = options;
  const counters = (['suspend', 'resume'] as const).flatMap((name) => [
    lineCounter(shared.output, endedLine(functionKeyOf(name))),
    lineCounter(shared.output, failedLine(functionKeyOf(name))),
  ]);
  const deployments = await Promise.all(
    groups.map(async (group) => {
      await new Promise((resolve) => setTimeout(resolve, group.startAfterMs));
      return playDeployment({
        ...shared,
        deploymentId: group.deploymentId,
        shiftTraffic: group.shiftTraffic,
      });
    }),
  );
  const deliveries = deployments
    .flatMap((deployment) => deployment.hooks)
    .reduce((sum, hook) => sum + hook.deliveries.length, 0);
  await waitUntil(
    () => counters.reduce((sum, count) => sum + count(), 0) >= deliveries,
    `the ${deliveries} hook invocations of ${groups.length} sibling deployments to end`,
    shared.hookTimeoutMs ?? 60_000,
  );
  return deployments;
}

import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { resourceScopedActions } from '../security/iam-reviewed.js';
import type { IamRequest } from './iam-requests.js';
import { fakeAccount, type TemplateRole } from './template-roles.js';

// One request evaluated against one role's policies by @cloud-copilot/iam-simulate (AGPL, a dev
// dependency only): the role's session as principal, no SCP, no RCP, no resource policy.

/** Whether IAM allows `request` to a session of `role`. */
export async function isAllowed(
  role: TemplateRole,
  session: string,
  request: IamRequest,
): Promise<boolean> {
  const simulation: Simulation = {
    request: {
      principal: `arn:${fakeAccount.partition}:sts::${fakeAccount.accountId}:assumed-role/${role.logicalId}/${session}`,
      action: request.action,
      resource: { resource: request.resource, accountId: fakeAccount.accountId },
      contextVariables: request.context,
    },
    identityPolicies: role.policies.map((policy) => ({
      name: policy.name,
      policy: policy.document,
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  // The simulator's action data (the Service Authorization Reference) gives these actions no
  // resource type, so it refuses any ARN but `*`; AWS authorizes them on a resource all the same
  // (the reviewed list says where that is shown). The statements are then matched as written.
  if (resourceScopedActions[request.action] !== undefined) {
    return runUnsafeSimulation(simulation, {}) === 'Allowed';
  }
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(
      `the simulator refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`,
    );
  }
  return result.overallResult === 'Allowed';
}

import { InvalidEventError } from '../errors.js';
import { emptyRequest } from './request-fields.js';
import type { Invocation } from './types.js';

// The third way a resume is invoked, beside CodeDeploy's hooks and a manual run: EventBridge's
// "CodeDeploy Deployment State-change Notification" for a deployment that stopped or failed. A
// deployment stopped after its BeforeAllowTraffic (a canary's alarm rolled it back, a shift
// failed, someone stopped it) never calls AfterAllowTraffic: without this, its clients would stay
// suspended until their resumeBy, and the next deployment's resume would wait for it as a sibling.

export const deploymentStateChange = 'CodeDeploy Deployment State-change Notification';
const endedStates = ['STOP', 'FAILURE'] as const;

function invalid(problem: string): InvalidEventError {
  return new InvalidEventError(
    `${problem}. Expected EventBridge's "${deploymentStateChange}" from aws.codedeploy, with detail.deploymentId and detail.state STOP or FAILURE (the rule ws-channels adds sends only those).`,
  );
}

/** The invocation an EventBridge deployment event asks for; undefined when the event is not one. */
export function parseDeploymentEnded(event: object): Invocation | undefined {
  const fields = event as Record<string, unknown>;
  if (fields.source !== 'aws.codedeploy' && fields['detail-type'] !== deploymentStateChange) {
    return undefined;
  }
  if (fields.source !== 'aws.codedeploy' || fields['detail-type'] !== deploymentStateChange) {
    throw invalid(
      `source is ${JSON.stringify(fields.source)} and detail-type ${JSON.stringify(fields['detail-type'])}`,
    );
  }
  const detail = fields.detail;
  if (typeof detail !== 'object' || detail === null) throw invalid('detail is missing');
  const { deploymentId, state } = detail as Record<string, unknown>;
  if (typeof deploymentId !== 'string' || deploymentId.length === 0 || deploymentId.length > 256) {
    throw invalid(`detail.deploymentId is ${JSON.stringify(deploymentId)}`);
  }
  const ended = endedStates.find((known) => known === state);
  if (ended === undefined) {
    throw invalid(`detail.state is ${JSON.stringify(state)}`);
  }
  return {
    trigger: 'deployment_ended',
    hook: undefined,
    request: emptyRequest,
    endedDeployment: { deploymentId, state: ended },
  };
}

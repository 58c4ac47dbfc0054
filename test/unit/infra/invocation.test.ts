import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../functions/core/invocation/parse.js';
import {
  asyncFunctions,
  asyncInvocation,
  deploymentEndedRule,
  failedEventsAlarm,
  failedEventsQueue,
} from '../../../infra/index.js';

// How suspend and resume are invoked asynchronously, and the rule for a deployment that ended:
// within what Lambda, SQS and CodeDeploy allow, and what the resume function takes.

describe('the asynchronous invocation of suspend and resume', () => {
  it("keeps an event at most CodeDeploy's hour, retries twice and keeps what it gave up on", () => {
    // Assess: Lambda takes 60 to 21,600 s and 0 to 2 retries; a hook reports within 3,600 s.
    expect(asyncFunctions).toEqual(['suspend', 'resume']);
    expect(asyncInvocation.maximumEventAgeSeconds).toBeGreaterThanOrEqual(60);
    expect(asyncInvocation.maximumEventAgeSeconds).toBeLessThanOrEqual(3600);
    expect(asyncInvocation.maximumRetryAttempts).toBe(2);
    expect(asyncInvocation.onFailure).toBe('failedEventsQueue');
    // SQS keeps a message 60 s to 14 days; the alarm fires on the first one.
    expect(failedEventsQueue.messageRetentionSeconds).toBe(1_209_600);
    expect(failedEventsQueue.encryption).toBe('sqs-managed');
    expect(failedEventsAlarm.threshold).toBe(1);
  });
});

describe('the rule for a deployment that ended', () => {
  const event = (state: string) => ({
    version: '0',
    id: 'c0ffee',
    source: deploymentEndedRule.source,
    'detail-type': deploymentEndedRule.detailType,
    account: '123456789012',
    time: '2026-12-07T10:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      region: 'us-east-1',
      deploymentId: 'd-ABCDEF123',
      instanceGroupId: 'group-id',
      deploymentGroup: 'chat-dev-ChatLambdaFunctionDeploymentGroup',
      state,
      application: 'chat-dev-ChatdevDeploymentApplication',
    },
  });

  it.each(deploymentEndedRule.states)(
    'sends resume only what it takes as a deployment that ended (%s)',
    (state) => {
      // Act
      const invocation = parseInvocation(event(state));
      // Assess
      expect(deploymentEndedRule.target).toBe('resume');
      expect(invocation).toMatchObject({
        trigger: 'deployment_ended',
        endedDeployment: { deploymentId: 'd-ABCDEF123', state },
      });
    },
  );
});

import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../../functions/core/errors.js';
import { parseInvocation, readInvocation } from '../../../../functions/core/invocation/parse.js';

// EventBridge's "CodeDeploy Deployment State-change Notification", as the rule ws-channels adds
// sends it to the resume function (issue 17, item 2).

const stateChange = (detail: Record<string, unknown>) => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'CodeDeploy Deployment State-change Notification',
  source: 'aws.codedeploy',
  account: '123456789012',
  time: '2026-12-07T08:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:codedeploy:us-east-1:123456789012:application:App'],
  detail: { region: 'us-east-1', application: 'App', deploymentGroup: 'Group', ...detail },
});

describe('parseInvocation: a deployment that ended (EventBridge)', () => {
  it.each(['STOP', 'FAILURE'])('reads a %s as a deployment that ended, with no hook', (state) => {
    const invocation = parseInvocation(stateChange({ deploymentId: 'd-ABC', state }));
    expect(invocation).toMatchObject({
      trigger: 'deployment_ended',
      hook: undefined,
      endedDeployment: { deploymentId: 'd-ABC', state },
      request: { dryRun: false, connectionIds: undefined },
    });
    expect(readInvocation(stateChange({ deploymentId: 'd-ABC', state })).hookReport).toEqual({
      kind: 'none',
    });
  });

  it.each([
    [
      'a state the rule does not send',
      { deploymentId: 'd-ABC', state: 'SUCCESS' },
      /detail.state is "SUCCESS"/,
    ],
    ['no deployment id', { state: 'STOP' }, /detail.deploymentId is undefined/],
  ])('refuses %s, naming the field', (_what, detail, message) => {
    const event = stateChange(detail);
    expect(() => parseInvocation(event)).toThrow(InvalidEventError);
    expect(() => parseInvocation(event)).toThrow(message);
  });

  it('refuses an event of another source that says it is one', () => {
    const event = { ...stateChange({ deploymentId: 'd-1', state: 'STOP' }), source: 'my.app' };
    expect(() => parseInvocation(event)).toThrow(/source is "my.app"/);
  });
});

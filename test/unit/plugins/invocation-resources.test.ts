import { describe, expect, it } from 'vitest';
import {
  asyncInvocationProperties,
  deploymentEndedResources,
  failedEventsResources,
} from '../../../plugins/invocation-resources.js';
import { chatNames } from '../../support/plugin-fixtures.js';

// infra/invocation.ts rendered: osls's function properties for the asynchronous events of suspend
// and resume, the failed events queue with its alarm, and the rule for a deployment that ended.

const functionLogicalIds = {
  suspend: 'WsChannelsSuspendLambdaFunction',
  resume: 'WsChannelsResumeLambdaFunction',
  ping: 'WsChannelsPingLambdaFunction',
};
const queueArn = { 'Fn::GetAtt': ['WsChannelsFailedEventsQueue', 'Arn'] };

describe('the asynchronous events of suspend and resume', () => {
  it('keeps an event an hour, retries twice, puts what it gave up on in the queue, and reserves concurrency', () => {
    // Act
    const properties = asyncInvocationProperties(5);
    // Assess
    expect(properties).toEqual({
      reservedConcurrency: 5,
      maximumEventAge: 3600,
      maximumRetryAttempts: 2,
      destinations: { onFailure: { type: 'sqs', arn: queueArn } },
    });
  });

  it('reserves no concurrency when the setting is unset', () => {
    // Act
    const properties = asyncInvocationProperties(undefined);
    // Assess
    expect(properties).not.toHaveProperty('reservedConcurrency');
  });

  it('renders an encrypted queue that refuses requests without TLS, and an alarm on its first visible message', () => {
    // Act
    const resources = failedEventsResources();
    // Assess
    expect(resources.WsChannelsFailedEventsQueue).toEqual({
      Type: 'AWS::SQS::Queue',
      Properties: { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 },
    });
    expect(resources.WsChannelsFailedEventsQueuePolicy?.Properties).toEqual({
      Queues: [{ Ref: 'WsChannelsFailedEventsQueue' }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'RefuseRequestsWithoutTls',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sqs:*',
            Resource: queueArn,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      },
    });
    expect(resources.WsChannelsFailedEventsAlarm?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': ['WsChannelsFailedEventsQueue', 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('the rule for a deployment that ended', () => {
  it("sends the app's CodeDeploy application's STOP and FAILURE to resume, which only this rule may invoke", () => {
    // Act
    const resources = deploymentEndedResources(chatNames, functionLogicalIds);
    // Assess
    const resume = { 'Fn::GetAtt': ['WsChannelsResumeLambdaFunction', 'Arn'] };
    expect(resources.WsChannelsDeploymentEndedRule).toEqual({
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: expect.stringContaining('ws-channels'),
        State: 'ENABLED',
        EventPattern: {
          source: ['aws.codedeploy'],
          'detail-type': ['CodeDeploy Deployment State-change Notification'],
          detail: {
            state: ['STOP', 'FAILURE'],
            application: [{ Ref: 'ChatdevDeploymentApplication' }],
          },
        },
        Targets: [{ Id: 'WsChannelsResume', Arn: resume }],
      },
    });
    expect(resources.WsChannelsDeploymentEndedPermission).toEqual({
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: resume,
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['WsChannelsDeploymentEndedRule', 'Arn'] },
      },
    });
  });

  it('renders nothing on a stage that deploys without CodeDeploy', () => {
    // Act
    const resources = deploymentEndedResources(
      { ...chatNames, deploymentGroups: undefined },
      functionLogicalIds,
    );
    // Assess
    expect(resources).toEqual({});
  });
});

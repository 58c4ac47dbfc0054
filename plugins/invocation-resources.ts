import {
  asyncInvocation,
  deploymentEndedRule,
  type FunctionId,
  failedEventsAlarm,
  failedEventsQueue,
} from '../infra/index.js';
import { type CfnResource, getAtt } from './cloudformation.js';
import type { Names } from './names.js';
import { failedEventsQueueLogicalId } from './resources.js';
import type { FunctionDefinition } from './serverless.js';

// Renders infra/invocation.ts: what Lambda does with the asynchronous events of suspend and resume
// (as osls's own function properties, which osls turns into an AWS::Lambda::EventInvokeConfig and
// ReservedConcurrentExecutions), the queue it puts the events it gave up on into with its alarm,
// and the EventBridge rule that sends a deployment that ended to resume, with its permission.

export const failedEventsAlarmLogicalId = 'WsChannelsFailedEventsAlarm';
export const failedEventsQueuePolicyLogicalId = 'WsChannelsFailedEventsQueuePolicy';
export const deploymentEndedRuleLogicalId = 'WsChannelsDeploymentEndedRule';
export const deploymentEndedPermissionLogicalId = 'WsChannelsDeploymentEndedPermission';
/** Every logical id rendered here: a service must leave them free. */
export const invocationLogicalIds: readonly string[] = [
  failedEventsQueueLogicalId,
  failedEventsQueuePolicyLogicalId,
  failedEventsAlarmLogicalId,
  deploymentEndedRuleLogicalId,
  deploymentEndedPermissionLogicalId,
];

/** The osls function properties of an asynchronously invoked function. */
export function asyncInvocationProperties(
  reservedConcurrency: number | undefined,
): Partial<FunctionDefinition> {
  return {
    ...(reservedConcurrency === undefined ? {} : { reservedConcurrency }),
    maximumEventAge: asyncInvocation.maximumEventAgeSeconds,
    maximumRetryAttempts: asyncInvocation.maximumRetryAttempts,
    // The function's own role may send to it (infra/permissions.ts runRole): osls adds no statement.
    destinations: {
      onFailure: { type: 'sqs', arn: getAtt(failedEventsQueueLogicalId, 'Arn') },
    },
  };
}

/** The failed events queue, its TLS-only policy and the alarm on its visible messages. */
export function failedEventsResources(): Record<string, CfnResource> {
  const queueArn = getAtt(failedEventsQueueLogicalId, 'Arn');
  return {
    [failedEventsQueueLogicalId]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        SqsManagedSseEnabled: { 'sqs-managed': true }[failedEventsQueue.encryption],
        MessageRetentionPeriod: failedEventsQueue.messageRetentionSeconds,
      },
    },
    ...(failedEventsQueue.requireTls
      ? {
          [failedEventsQueuePolicyLogicalId]: {
            Type: 'AWS::SQS::QueuePolicy',
            Properties: {
              Queues: [{ Ref: failedEventsQueueLogicalId }],
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
            },
          },
        }
      : {}),
    [failedEventsAlarmLogicalId]: {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: failedEventsAlarm.description,
        Namespace: 'AWS/SQS',
        MetricName: failedEventsAlarm.metric,
        Dimensions: [{ Name: 'QueueName', Value: getAtt(failedEventsQueueLogicalId, 'QueueName') }],
        Statistic: 'Maximum',
        Period: failedEventsAlarm.periodSeconds,
        EvaluationPeriods: 1,
        Threshold: failedEventsAlarm.threshold,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        // An empty queue sends no data point while idle: that is no failure.
        TreatMissingData: 'notBreaching',
      },
    },
  };
}

/**
 * The rule for a deployment of the app's CodeDeploy application that stopped or failed, and
 * EventBridge's permission to invoke resume for this rule only. None on a stage that deploys
 * without CodeDeploy.
 *
 * @param functionLogicalIds the logical id of each of ws-channels' functions
 */
export function deploymentEndedResources(
  names: Names,
  functionLogicalIds: Readonly<Record<FunctionId, string>>,
): Record<string, CfnResource> {
  const group = names.deploymentGroups;
  if (group === undefined) return {};
  const target = getAtt(functionLogicalIds[deploymentEndedRule.target], 'Arn');
  return {
    [deploymentEndedRuleLogicalId]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: deploymentEndedRule.description,
        State: 'ENABLED',
        EventPattern: {
          source: [deploymentEndedRule.source],
          'detail-type': [deploymentEndedRule.detailType],
          detail: {
            state: [...deploymentEndedRule.states],
            application: [{ Ref: group.applicationLogicalId }],
          },
        },
        Targets: [{ Id: 'WsChannelsResume', Arn: target }],
      },
    },
    [deploymentEndedPermissionLogicalId]: {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        Action: 'lambda:InvokeFunction',
        FunctionName: target,
        Principal: 'events.amazonaws.com',
        SourceArn: getAtt(deploymentEndedRuleLogicalId, 'Arn'),
      },
    },
  };
}

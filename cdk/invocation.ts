import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  asyncFunctions,
  asyncInvocation,
  deploymentEndedRule,
  type FunctionId,
  failedEventsAlarm,
  failedEventsQueue,
  stageAccessLog,
} from '../infra/index.js';
import type { StackTuning } from './settings.js';

// Renders infra/invocation.ts and infra/stage.ts as the plugin does: the hooks' asynchronous
// invocation (event age, retries, the failed events queue and its alarm), EventBridge's rule for a
// deployment of the app that stopped or failed, and the stage's throttling and access log.

/** The queue of events Lambda gave up on, its alarm, and each async function's invoke config. */
export function renderFailedEvents(
  scope: Construct,
  functions: Readonly<Record<FunctionId, lambda.IFunction>>,
): sqs.Queue {
  const queue = new sqs.Queue(scope, 'FailedEventsQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.seconds(failedEventsQueue.messageRetentionSeconds),
    enforceSSL: failedEventsQueue.requireTls,
  });
  new cloudwatch.Alarm(scope, 'FailedEventsAlarm', {
    alarmDescription: failedEventsAlarm.description,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: Duration.seconds(failedEventsAlarm.periodSeconds),
    }),
    threshold: failedEventsAlarm.threshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const id of asyncFunctions) {
    new lambda.EventInvokeConfig(scope, `${id}AsyncInvoke`, {
      function: functions[id],
      maxEventAge: Duration.seconds(asyncInvocation.maximumEventAgeSeconds),
      retryAttempts: asyncInvocation.maximumRetryAttempts,
      // Its grant lands on a role without grants: infra/'s run role holds sqs:SendMessage.
      onFailure: new destinations.SqsDestination(queue),
    });
  }
  return queue;
}

/** EventBridge's rule: a deployment of this application that stopped or failed goes to resume. */
export function renderDeploymentEndedRule(
  scope: Construct,
  application: codedeploy.ILambdaApplication,
  functions: Readonly<Record<FunctionId, lambda.IFunction>>,
): events.Rule {
  return new events.Rule(scope, 'DeploymentEndedRule', {
    description: deploymentEndedRule.description,
    eventPattern: {
      source: [deploymentEndedRule.source],
      detailType: [deploymentEndedRule.detailType],
      detail: {
        state: [...deploymentEndedRule.states],
        application: [application.applicationName],
      },
    },
    targets: [new targets.LambdaFunction(functions[deploymentEndedRule.target])],
  });
}

/** The stage's default route throttling and, unless turned off, its access log. */
export function configureStage(
  scope: Construct,
  stage: apigwv2.WebSocketStage,
  tuning: StackTuning,
): void {
  const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
  cfnStage.defaultRouteSettings = {
    throttlingRateLimit: tuning.throttlingRateLimit,
    throttlingBurstLimit: tuning.throttlingBurstLimit,
  };
  if (!tuning.accessLogging) return;
  const logGroup = new logs.LogGroup(scope, 'StageAccessLogs', {
    retention: stageAccessLog.retentionDays as logs.RetentionDays,
  });
  cfnStage.accessLogSettings = {
    destinationArn: logGroup.logGroupArn,
    format: JSON.stringify(stageAccessLog.format),
  };
}

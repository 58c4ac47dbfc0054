import type { FunctionId } from './ids.js';

// How suspend and resume are invoked besides by hand: asynchronously, by CodeDeploy's hooks, by
// their own hand-overs and by EventBridge's rule for a deployment that ended without its
// AfterAllowTraffic. What Lambda does with those events (how long it keeps one, how often it
// retries, where it puts one it gave up on), and the rule itself. The Serverless plugin renders
// this as the functions' EventInvokeConfig, an SQS queue with its alarm, and an EventBridge rule;
// the CDK construct will render the same.

export interface AsyncInvocation {
  /**
   * How long Lambda keeps an event it could not yet run (throttled, or between retries). A hook
   * must report within CodeDeploy's hour: an event older than that can only report Failed to a
   * deployment CodeDeploy has already failed, so it goes to the queue instead. Lambda's own two
   * retries come after about 1 and 3 minutes, well within it.
   */
  readonly maximumEventAgeSeconds: number;
  /** Lambda's retries of a failed invocation: the hook's claim lets the second one take over. */
  readonly maximumRetryAttempts: number;
  /** Where Lambda puts an event it gave up on: the failed events queue. */
  readonly onFailure: 'failedEventsQueue';
}

export const asyncInvocation: AsyncInvocation = {
  maximumEventAgeSeconds: 3600,
  maximumRetryAttempts: 2,
  onFailure: 'failedEventsQueue',
};

/** The functions invoked asynchronously, which get asyncInvocation and reserved concurrency. */
export const asyncFunctions: readonly FunctionId[] = ['suspend', 'resume'];

export interface QueueDescription {
  /** Encrypted at rest with SQS's own key (SSE-SQS): no KMS key to manage or grant. */
  readonly encryption: 'sqs-managed';
  /** SQS's longest: 14 days for someone to look at what Lambda gave up on. */
  readonly messageRetentionSeconds: number;
  /** A policy that refuses any request not made over TLS. */
  readonly requireTls: boolean;
}

/** The queue of hook, hand-over and rule events that Lambda gave up on. */
export const failedEventsQueue: QueueDescription = {
  encryption: 'sqs-managed',
  messageRetentionSeconds: 14 * 24 * 60 * 60,
  requireTls: true,
};

export interface QueueAlarmDescription {
  /** AWS/SQS's ApproximateNumberOfMessagesVisible, at or above the threshold. */
  readonly metric: 'ApproximateNumberOfMessagesVisible';
  readonly threshold: number;
  readonly periodSeconds: number;
  readonly description: string;
}

/** One event in the queue is one run that never happened: a deployment waits or a client hangs. */
export const failedEventsAlarm: QueueAlarmDescription = {
  metric: 'ApproximateNumberOfMessagesVisible',
  threshold: 1,
  periodSeconds: 60,
  description:
    'ws-channels: Lambda gave up on a suspend or resume event (a hook, a hand-over or a deployment that ended); see the failed events queue.',
};

/**
 * EventBridge's rule for a deployment of the app that stopped or failed: it may have suspended
 * clients that its AfterAllowTraffic will never resume. Only the app's CodeDeploy application.
 */
export interface DeploymentEndedRule {
  readonly source: 'aws.codedeploy';
  readonly detailType: string;
  readonly states: readonly string[];
  readonly target: FunctionId;
  readonly description: string;
}

export const deploymentEndedRule: DeploymentEndedRule = {
  source: 'aws.codedeploy',
  // What functions/core/invocation/deployment-ended.ts takes; checked by test/unit/infra.
  detailType: 'CodeDeploy Deployment State-change Notification',
  states: ['STOP', 'FAILURE'],
  target: 'resume',
  description:
    'ws-channels: resumes the clients of a deployment of the app that stopped or failed after its suspend (it never calls AfterAllowTraffic).',
};

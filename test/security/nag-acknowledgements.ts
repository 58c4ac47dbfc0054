// The reviewed list of cdk-nag findings on the packaged templates (test/integration/nag.test.ts):
// the reference stack (serverless.yml) and examples/chat, both `osls package --stage dev`. A
// finding not listed here fails the test; so does an entry (a rule on a resource) that no
// longer matches a finding, so the list shrinks as findings are mended. `{stack}` in a rule
// stands for the stack's `{service}-{stage}`: ws-channels-dev, chat-dev.

export type PackagedStack = 'reference' | 'chat';

export interface NagAcknowledgement {
  /** The rule id as cdk-nag reports it, the finding in brackets included (IAM4, IAM5). */
  readonly rule: string;
  /** Logical ids; each must be found with this rule in at least one of `stacks`. */
  readonly resources: readonly string[];
  readonly stacks: readonly PackagedStack[];
  readonly reason: string;
}

const both: readonly PackagedStack[] = ['reference', 'chat'];
/** Functions API Gateway invokes synchronously: ws-channels' ping, and the apps' own. */
const routeFunctions = [
  'WsChannelsPingLambdaFunction',
  'ConnectLambdaFunction',
  'DisconnectLambdaFunction',
  'DefaultLambdaFunction',
  'SendmessageLambdaFunction',
  'ChatLambdaFunction',
  'WebLambdaFunction',
];
const lambdaFunctions = [
  'WsChannelsSuspendLambdaFunction',
  'WsChannelsResumeLambdaFunction',
  ...routeFunctions,
];
const connectionCallbacks =
  'AwsSolutions-IAM5[Resource::["arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${ApiId}/dev/POST/@connections/*",{"ApiId":{"Ref":"WebsocketsApi"}}]]';
const logStreams = (key: string) =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/{stack}-${key}:*]`;
const versions = (key: string) =>
  `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:{stack}-${key}:*]`;

/** What cdk-nag asks of an API Gateway stage: access logs, and throttling of its own. */
const stageRules = [
  'AwsSolutions-APIG1',
  'Serverless-APIGWAccessLogging',
  'Serverless-APIGWDefaultThrottling',
] as const;

/** Findings that stay, each for its reason. */
export const acknowledgedFindings: readonly NagAcknowledgement[] = [
  {
    rule: connectionCallbacks,
    resources: ['WsChannelsRunRole', 'IamRoleLambdaExecution', 'RelayRole'],
    stacks: both,
    reason:
      '@connections/* cannot name connections in advance: connection ids exist only at run time. The ARN is this API, this stage and POST only.',
  },
  ...(['wsChannelsSuspend', 'wsChannelsResume', 'wsChannelsPing'] as const).map((key) => ({
    rule: logStreams(key),
    resources: [key === 'wsChannelsPing' ? 'WsChannelsKeepaliveRole' : 'WsChannelsRunRole'],
    stacks: both,
    reason:
      "The function's own log group; Lambda names its streams (date, instance) at run time, so the streams are `:*`.",
  })),
  ...(['wsChannelsSuspend', 'wsChannelsResume'] as const).map((key) => ({
    rule: versions(key),
    resources: ['WsChannelsRunRole'],
    stacks: both,
    reason:
      'A run near its deadline hands over to its own version or alias (the qualified ARN it was invoked as), known only at run time; the function itself and no other.',
  })),
  {
    rule: 'AwsSolutions-L1',
    resources: lambdaFunctions,
    stacks: both,
    reason:
      "ws-channels' functions run on nodejs24.x, the newest Node runtime this cdk-nag release may not know yet (or nodejs22.x where a stack sets runtime: nodejs22.x); the apps' functions follow the app's provider.runtime.",
  },
  {
    rule: 'Serverless-LambdaLatestVersion',
    resources: lambdaFunctions,
    stacks: both,
    reason: 'The same finding as AwsSolutions-L1, see there.',
  },
  {
    rule: 'Serverless-LambdaTracing',
    resources: lambdaFunctions,
    stacks: both,
    reason:
      'X-Ray tracing is the operator’s choice and cost (provider.tracing.lambda); ws-channels reports every run as structured logs, metrics and its run record.',
  },
  {
    rule: 'Serverless-LambdaDLQ',
    resources: routeFunctions,
    stacks: both,
    reason:
      'Invoked synchronously by API Gateway: a dead-letter queue only ever receives asynchronous events, so it would stay empty.',
  },
  {
    rule: 'AwsSolutions-DDB3',
    resources: ['WsChannelsConnectionsTable', 'WsChannelsRunsTable'],
    stacks: both,
    reason:
      'Both tables hold short-lived state with a TTL (live connections, closed by API Gateway within 2 h; run records and the window): a restore to an earlier point would bring back connections that are gone and runs that ended.',
  },
  {
    rule: 'AwsSolutions-APIG4',
    resources: ['SconnectWebsocketsRoute', 'sendmessageWebsocketsRoute', 'joinWebsocketsRoute'],
    stacks: both,
    reason:
      "An app's own routes are its own business: API Gateway authorizes a WebSocket connection at $connect only, with the app's authorizer.",
  },
  {
    rule: 'AwsSolutions-APIG4',
    resources: [
      'SdisconnectWebsocketsRoute',
      'SdefaultWebsocketsRoute',
      'sendWebsocketsRoute',
      'wsDashchannelsPeriodpingWebsocketsRoute',
    ],
    stacks: both,
    reason:
      'WebSocket APIs authorize at $connect only: these routes take messages on a connection $connect already admitted and cannot carry an authorizer.',
  },
  {
    rule: 'AwsSolutions-S1',
    resources: ['ServerlessDeploymentBucket'],
    stacks: both,
    reason:
      "osls's deployment bucket (the packaged code and templates): the app's, configured by provider.deploymentBucket.",
  },
  // examples/chat's own resources: the app's business, written as a small app would.
  {
    rule: 'AwsSolutions-IAM5[Resource::<MembersTable.Arn>/index/*]',
    resources: ['IamRoleLambdaExecution'],
    stacks: ['chat'],
    reason: "The chat's own statement on its own table (examples/chat/serverless.yml).",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/chat-dev-web:*]',
    resources: ['WebRole'],
    stacks: ['chat'],
    reason: "The page function's own log group; Lambda names its streams at run time.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/ws-channels-dev-sendmessage:*]',
    resources: ['RelayRole'],
    stacks: ['reference'],
    reason: "The relay's own log group; Lambda names its streams at run time.",
  },
  {
    rule: 'AwsSolutions-DDB3',
    resources: ['MembersTable'],
    stacks: ['chat'],
    reason: "The chat's room membership: the app's table, its own backup choice.",
  },
  {
    rule: 'AwsSolutions-APIG4',
    resources: [
      'HttpApiRouteGet',
      'HttpApiRouteGetChatjs',
      'HttpApiRouteGetWsDashchannelsDashclientjs',
    ],
    stacks: ['chat'],
    reason: "The chat's public page and scripts: the app's own HTTP API, open by design.",
  },
  ...stageRules.map((rule) => ({
    rule,
    resources: ['HttpApiStage'],
    stacks: ['chat'] as const,
    reason: "The chat page's HTTP API stage: the app's own, configured by provider.httpApi.",
  })),
  {
    rule: 'Serverless-CloudWatchLogGroupRetentionPeriod',
    resources: ['ChatLogGroup', 'WebLogGroup'],
    stacks: ['chat'],
    reason:
      "The app's log groups follow the app's provider.logRetentionInDays, which the example leaves unset.",
  },
  // What issue 17's least privilege added, and why each wildcard stays.
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codedeploy:<AWS::Region>:<AWS::AccountId>:deploymentgroup:<WschannelsdevDeploymentApplication>/*]',
    resources: ['WsChannelsRunRole'],
    stacks: ['reference'],
    reason:
      "codedeploy:GetDeployment is authorized on the deployment group: resume asks about deployments in its deployment window, which may be in any group of the app's CodeDeploy application (a function per route); this application only.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codedeploy:<AWS::Region>:<AWS::AccountId>:deploymentgroup:<ChatdevDeploymentApplication>/*]',
    resources: ['WsChannelsRunRole'],
    stacks: ['chat'],
    reason: 'The same as in the reference stack: GetDeployment on the groups of this application.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:<DefaultLambdaFunction>:*]',
    resources: ['WsChannelsCodeDeployRole'],
    stacks: ['reference'],
    reason:
      "CodeDeploy reads and shifts the alias of the app's function between versions it publishes at deploy time: this function's aliases and versions only (in place of AWSCodeDeployRoleForLambdaLimited, which allowed every function).",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:<ChatLambdaFunction>:*]',
    resources: ['WsChannelsCodeDeployRole'],
    stacks: ['chat'],
    reason: "The same as in the reference stack: the chat function's aliases and versions only.",
  },
  ...(['connect', 'default', 'disconnect'] as const).flatMap((key) =>
    (['*', '*:*'] as const).map((suffix) => ({
      rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/ws-channels-dev-${key}:${suffix}]`,
      resources: ['IamRoleLambdaExecution'],
      stacks: ['reference'] as const,
      reason:
        "The app function's own log group (osls's statement, narrowed to the functions on this role): Lambda names its streams at run time.",
    })),
  ),
  ...(['*', '*:*'] as const).map((suffix) => ({
    rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/chat-dev-chat:${suffix}]`,
    resources: ['IamRoleLambdaExecution'],
    stacks: ['chat'] as const,
    reason:
      "The chat function's own log group (osls's statement, narrowed): Lambda names its streams at run time.",
  })),
  ...(['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'] as const).map((rule) => ({
    rule,
    resources: ['WsChannelsFailedEventsQueue'],
    stacks: both,
    reason:
      'It is itself the dead-letter destination: the on-failure destination of the hooks (EventInvokeConfig), watched by an alarm; a queue behind it would add nothing.',
  })),
  {
    rule: 'Serverless-LambdaDLQ',
    resources: ['WsChannelsSuspendLambdaFunction', 'WsChannelsResumeLambdaFunction'],
    stacks: both,
    reason:
      "An event Lambda gives up on goes to the failed events queue through the functions' EventInvokeConfig on-failure destination, with an alarm; cdk-nag's LambdaDLQ reads DeadLetterConfig only.",
  },
  {
    rule: 'Serverless-EventBusDLQ',
    resources: ['WsChannelsDeploymentEndedRule'],
    stacks: both,
    reason:
      "EventBridge retries the invocation of resume for 24 hours; an event it still loses leaves the stopped deployment's clients to their resumeBy (15 minutes by default) and to the next deployment's resume, which asks CodeDeploy about it.",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::<WsChannelsConnectionsTable.Arn>/index/*]',
    resources: ['WsChannelsRunRole'],
    stacks: both,
    reason:
      'The Connections table has one index, the suspended index that ws-channels creates and resume queries; its name is a setting (suspendedIndex), and an existing table names it itself.',
  },
  {
    rule: 'Serverless-CloudWatchLogGroupRetentionPeriod',
    resources: ['WsChannelsSuspendLogGroup', 'WsChannelsResumeLogGroup', 'WsChannelsPingLogGroup'],
    stacks: ['chat'],
    reason:
      "osls creates every function's log group with the app's provider.logRetentionInDays, ws-channels' too: the retention of logs is the operator's choice, which the example leaves unset.",
  },
];

/**
 * Real findings not mended yet: none. Issue 17 mended the CodeDeploy managed policy, osls's log
 * statement over ws-channels' log groups, the stage's access log and throttling, and the hooks'
 * on-failure destination.
 */
export const findingsToBeMended: readonly NagAcknowledgement[] = [];

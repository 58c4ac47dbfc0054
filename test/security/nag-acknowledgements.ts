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
    resources: ['WsChannelsRunRole', 'IamRoleLambdaExecution'],
    stacks: both,
    reason:
      '@connections/* cannot name connections in advance: connection ids exist only at run time. The ARN is this API, this stage and POST only.',
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<WebsocketsApi>/dev/POST/@connections/*]',
    resources: ['RelayRole'],
    stacks: ['reference'],
    reason:
      "The stand-in app's relay posts to every member: connection ids exist only at run time; this API, stage and POST only.",
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
      "nodejs22.x is the runtime ws-channels is built and tested for (the Lambda runtime in DESIGN, the suite runs on Node 22); moving to a newer one is a change of its own, with the suite on it. The apps' functions follow the app's provider.runtime.",
  },
  {
    rule: 'Serverless-LambdaLatestVersion',
    resources: lambdaFunctions,
    stacks: both,
    reason: 'The same finding as AwsSolutions-L1: nodejs22.x, see there.',
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
];

/**
 * To be mended by issue 17 infra work: real findings on main, listed so the check runs; each entry
 * goes (or moves up, with a new reason) when infra/ and the plugin mend it.
 */
export const findingsToBeMended: readonly NagAcknowledgement[] = [
  {
    rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
    resources: ['WsChannelsCodeDeployRole'],
    stacks: both,
    reason:
      "The managed policy allows lambda:UpdateAlias (and GetAlias, GetFunction...) on every function of the account: an inline policy on the app's function and its aliases only.",
  },
  ...(['*:*', '*:*:*'] as const).map((suffix) => ({
    rule: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/lambda/{stack}${suffix}]`,
    resources: ['IamRoleLambdaExecution'],
    stacks: both,
    reason:
      "osls's statement for the app's functions covers /aws/lambda/{service}-{stage}*: the app's handlers, which take untrusted input, may write into the suspend and resume log groups and forge their metrics.",
  })),
  ...stageRules.map((rule) => ({
    rule,
    resources: ['WebsocketsDeploymentStage'],
    stacks: both,
    reason:
      'No access logs and no throttling on the WebSocket stage: any client may call the ping route (or any route) at any rate, unseen.',
  })),
  {
    rule: 'Serverless-LambdaDLQ',
    resources: ['WsChannelsSuspendLambdaFunction', 'WsChannelsResumeLambdaFunction'],
    stacks: both,
    reason:
      "CodeDeploy invokes the hooks asynchronously: an event Lambda gives up on is lost and the deployment waits its hour. Once an on-failure destination (EventInvokeConfig) exists, this moves up with that as its reason (cdk-nag's LambdaDLQ reads DeadLetterConfig only).",
  },
  {
    rule: 'AwsSolutions-IAM5[Resource::<WsChannelsConnectionsTable.Arn>/index/*]',
    resources: ['WsChannelsRunRole'],
    stacks: both,
    reason:
      'The run role may query every index of the Connections table; it reads the suspended index only, whose name is known at package time (settings suspendedIndex).',
  },
  {
    rule: 'Serverless-CloudWatchLogGroupRetentionPeriod',
    resources: ['WsChannelsSuspendLogGroup', 'WsChannelsResumeLogGroup', 'WsChannelsPingLogGroup'],
    stacks: ['chat'],
    reason:
      "ws-channels' own log groups keep their logs forever when the app sets no provider.logRetentionInDays: the plugin could give its own groups a retention of their own (or acknowledge it as the app's choice).",
  },
];

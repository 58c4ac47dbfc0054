// What the IAM check (test/iam/permissions.test.ts) was told, reviewed: where the simulator's data
// is overruled, which granted actions no recorded call uses, and which recorded calls the roles
// deny today, each with its reason. A grant that starts being used, or stops, and a denied call
// that becomes allowed, fail the check until this list says so.

/**
 * Actions that the simulator's data (AWS's Service Authorization Reference) lists without a
 * resource type, and that AWS authorizes on a resource all the same.
 */
export const resourceScopedActions: Readonly<Record<string, string>> = {
  'codedeploy:PutLifecycleEventHookExecutionStatus':
    "CodeDeploy authorizes it on the deployment's group: aws-cdk-lib's LambdaDeploymentGroup.grantPutLifecycleEventHookExecutionStatus and serverless-plugin-canary-deployments both grant it on the deployment group's ARN only, and their hooks report.",
};

export interface UnusedGrant {
  /** `{role}: {action} on {resource without arn:aws:{service}:{region}:{account}:}` */
  readonly grant: string;
  readonly reason: string;
}

const connections = 'table/ws-channels-local-connections';
const connectionIndexes = `${connections}/index/*`;
const runs = 'table/ws-channels-local-runs';
const logGroup = (name: string) => `log-group:/aws/lambda/ws-channels-local-${name}:*`;
const grants = (role: string, actions: readonly string[], resources: readonly string[]) =>
  actions.flatMap((action) => resources.map((resource) => `${role}: ${action} on ${resource}`));
const each = (list: readonly string[], reason: string): UnusedGrant[] =>
  list.map((grant) => ({ grant, reason }));

/** Granted, used by no recorded call, and rightly so. */
export const unusedGrants: readonly UnusedGrant[] = [
  ...each(
    [
      ...grants(
        'WsChannelsRunRole',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        [logGroup('wsChannelsSuspend'), logGroup('wsChannelsResume')],
      ),
      ...grants(
        'WsChannelsKeepaliveRole',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        [logGroup('wsChannelsPing')],
      ),
      ...grants(
        'RelayRole',
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        [logGroup('sendmessage')],
      ),
    ],
    "Lambda's runtime writes the function's logs with its role; the code makes no such call.",
  ),
  ...each(
    grants('WsChannelsRunRole', ['dynamodb:BatchGetItem'], [connections]),
    'A console run given connectionIds reads those items (functions/aws/dynamodb.ts, readConnections); no end-to-end file of the check runs one.',
  ),
  ...each(
    grants(
      'WsChannelsRunRole',
      ['lambda:InvokeFunction'],
      ['wsChannelsSuspend', 'wsChannelsSuspend:*', 'wsChannelsResume', 'wsChannelsResume:*'].map(
        (name) => `function:ws-channels-local-${name}`,
      ),
    ),
    "A run hands over to a new invocation of its own function only near its Lambda's deadline (functions/aws/self-invoker.ts); the end-to-end runs end long before.",
  ),
];

/**
 * To be mended by issue 17 infra work: granted, and called by no code of the function at all.
 * Each goes when infra/permissions.ts (or the plugin) stops granting it.
 */
export const unusedGrantsToBeMended: readonly UnusedGrant[] = [
  ...each(
    [
      ...grants(
        'WsChannelsRunRole',
        ['dynamodb:DescribeTable', 'dynamodb:BatchWriteItem'],
        [connections, connectionIndexes, runs],
      ),
      ...grants('WsChannelsRunRole', ['dynamodb:BatchGetItem'], [connectionIndexes, runs]),
    ],
    'The run role grants actions no code of suspend or resume calls.',
  ),
  ...each(
    grants(
      'WsChannelsRunRole',
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [connections, connectionIndexes],
    ),
    'Runs change connections through PartiQL statements (functions/aws/statement-writer.ts) and read them by Scan, Query and BatchGetItem: no item action on the Connections table (and none applies to an index).',
  ),
  ...each(
    [
      ...grants('WsChannelsRunRole', ['dynamodb:Query'], [connections, runs]),
      ...grants('WsChannelsRunRole', ['dynamodb:Scan'], [runs]),
      ...grants(
        'WsChannelsRunRole',
        ['dynamodb:PartiQLUpdate', 'dynamodb:PartiQLDelete'],
        [connectionIndexes, runs],
      ),
    ],
    'Runs query the suspended index only, scan the Connections table only, and send PartiQL to the Connections table only: Scan and PartiQL on the Runs table let a run role read or rewrite every run record.',
  ),
  ...each(
    grants(
      'IamRoleLambdaExecution',
      ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'],
      ['log-group:/aws/lambda/ws-channels-local*:*'],
    ).concat(
      grants(
        'IamRoleLambdaExecution',
        ['logs:PutLogEvents'],
        ['log-group:/aws/lambda/ws-channels-local*:*:*'],
      ),
    ),
    "osls's log statement for the app's functions (written by Lambda's runtime, not by code) covers every log group of the service, ws-channels' suspend and resume groups included: the app's handlers could forge their logs and metrics.",
  ),
];

/**
 * To be mended by issue 17 infra work: calls the functions make that their role does not allow
 * (in AWS they fail with AccessDenied). Each goes when infra/permissions.ts grants it.
 */
export const deniedCallsToBeMended: readonly UnusedGrant[] = [
  {
    grant:
      'WsChannelsRunRole: codedeploy:GetDeployment on deploymentgroup:WschannelslocalDeploymentApplication-generated/ws-channels-local-DefaultLambdaFunctionDeploymentGroup',
    reason:
      "A resume that finds another deployment in the window asks CodeDeploy whether it ended (functions/aws/codedeploy-deployments.ts, issue 17 item 2); the run role has no codedeploy:GetDeployment, so in AWS the answer is AccessDenied, taken as 'unknown': a stopped deployment still holds everyone suspended.",
  },
];

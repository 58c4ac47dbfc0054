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
    ['connect', 'default', 'disconnect'].flatMap((name) => [
      ...grants(
        'IamRoleLambdaExecution',
        ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:TagResource'],
        [logGroup(name)],
      ),
      ...grants('IamRoleLambdaExecution', ['logs:PutLogEvents'], [`${logGroup(name)}:*`]),
    ]),
    "osls's log statement for the app's functions, narrowed to their own log groups: Lambda's runtime writes them, no code calls it.",
  ),
  ...each(
    grants('WsChannelsRunRole', ['sqs:SendMessage'], ['WsChannelsFailedEventsQueue-generated']),
    "Lambda sends an event it gave up on to the failed events queue with the function's role (the on-failure destination); the code never calls it, and no end-to-end run gives up.",
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
 * Granted and called by no code: none left. Issue 17's least privilege took out of the run role
 * what no code of suspend or resume calls (DescribeTable, BatchWriteItem, item actions on the
 * Connections table, Scan, Query and PartiQL on the Runs table) and narrowed osls's log statement
 * to the app's own functions.
 */
export const unusedGrantsToBeMended: readonly UnusedGrant[] = [];

/** Calls the functions make that their role does not allow: none (GetDeployment is granted). */
export const deniedCallsToBeMended: readonly UnusedGrant[] = [];

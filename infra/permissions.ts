import type { FunctionId, RoleId, TableId } from './ids.js';
import { deploymentWindowKey } from './tables.js';

// Who may do what: the roles of ws-channels' functions and of CodeDeploy, and the statements the
// app's own WebSocket functions need. Every resource is named by what it is to the stack ("the
// Connections table", "this API and stage's @connections"); a renderer turns each into an ARN
// (Fn::GetAtt / Fn::Sub in the Serverless plugin, tokens in the CDK construct). No statement
// names `*`.

export type SymbolicResource =
  /** The table itself. */
  | { readonly kind: 'table'; readonly table: TableId }
  /** Every index of the table (`{table ARN}/index/*`). */
  | { readonly kind: 'tableIndexes'; readonly table: TableId }
  /** The @connections callbacks (POST) of this API and stage, and no other's. */
  | { readonly kind: 'connectionCallbacks' }
  /** The function, unqualified. */
  | { readonly kind: 'function'; readonly function: FunctionId }
  /** The function's versions and aliases (`{function ARN}:*`). */
  | { readonly kind: 'functionVersions'; readonly function: FunctionId }
  /**
   * The deployment groups of the app's functions, one per function CodeDeploy deploys. A stage
   * that deploys without CodeDeploy has none: a statement that names them is then left out.
   */
  | { readonly kind: 'appDeploymentGroup' }
  /** The function's log group, its streams (`/aws/lambda/{function name}:*`). */
  | { readonly kind: 'logGroup'; readonly function: FunctionId };

/** An IAM condition block, as IAM writes it (operator, then condition key, then values). */
export type Condition = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface Statement {
  readonly actions: readonly string[];
  readonly resources: readonly SymbolicResource[];
  readonly condition?: Condition;
}

export interface RoleDescription {
  readonly id: RoleId;
  /** The service that assumes it. */
  readonly assumedBy: 'lambda.amazonaws.com' | 'codedeploy.amazonaws.com';
  /** The name of its one inline policy. */
  readonly policyName: string;
  readonly statements: readonly Statement[];
  /** AWS managed policies, by name under `arn:{partition}:iam::aws:policy/`. */
  readonly managedPolicies: readonly string[];
}

/** What a function in a VPC needs to manage its network interfaces. */
export const vpcAccessPolicy = 'service-role/AWSLambdaVPCAccessExecutionRole';

/** Roles whose functions join the stack's VPC, when it has one, and so need vpcAccessPolicy. */
export const rolesInVpc: readonly RoleId[] = ['run', 'keepalive'];

const writeLogs = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const manageConnections: Statement = {
  actions: ['execute-api:ManageConnections'],
  resources: [{ kind: 'connectionCallbacks' }],
};
const table = (id: TableId): SymbolicResource => ({ kind: 'table', table: id });

/**
 * suspend and resume: write their logs, read and update both tables (and the suspended index),
 * post control frames, hand over to a new invocation of themselves (a run near its deadline),
 * and report their hook's status for the app's deployment groups only.
 */
export const runRole: RoleDescription = {
  id: 'run',
  assumedBy: 'lambda.amazonaws.com',
  policyName: 'ws-channels-runs',
  statements: [
    {
      actions: writeLogs,
      resources: [
        { kind: 'logGroup', function: 'suspend' },
        { kind: 'logGroup', function: 'resume' },
      ],
    },
    {
      actions: [
        'dynamodb:DescribeTable',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:BatchWriteItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
      ],
      resources: [
        table('connections'),
        { kind: 'tableIndexes', table: 'connections' },
        table('runs'),
      ],
    },
    manageConnections,
    {
      actions: ['lambda:InvokeFunction'],
      resources: [
        { kind: 'function', function: 'suspend' },
        { kind: 'functionVersions', function: 'suspend' },
        { kind: 'function', function: 'resume' },
        { kind: 'functionVersions', function: 'resume' },
      ],
    },
    {
      actions: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
      resources: [{ kind: 'appDeploymentGroup' }],
    },
  ],
  managedPolicies: [],
};

/** ws-channels.ping answers nothing: its role may only write its logs. */
export const keepaliveRole: RoleDescription = {
  id: 'keepalive',
  assumedBy: 'lambda.amazonaws.com',
  policyName: 'ws-channels-keepalive',
  statements: [{ actions: writeLogs, resources: [{ kind: 'logGroup', function: 'ping' }] }],
  managedPolicies: [],
};

/**
 * CodeDeploy's own role: shift the app's alias (the AWS managed policy for Lambda deployments)
 * and invoke the two hooks. serverless-plugin-canary-deployments' default role would attach
 * AWSLambda_FullAccess.
 */
export const codeDeployRole: RoleDescription = {
  id: 'codeDeploy',
  assumedBy: 'codedeploy.amazonaws.com',
  policyName: 'ws-channels-invoke-hooks',
  statements: [
    {
      actions: ['lambda:InvokeFunction'],
      resources: [
        { kind: 'function', function: 'suspend' },
        { kind: 'function', function: 'resume' },
      ],
    },
  ],
  managedPolicies: ['service-role/AWSCodeDeployRoleForLambdaLimited'],
};

export const wsChannelsRoles: readonly RoleDescription[] = [runRole, keepaliveRole, codeDeployRole];

/**
 * What the app's WebSocket functions need for the registry middleware: register and remove
 * connections, read the deployment window's item of the Runs table (and no other item of it),
 * answer on their connections. They go on the app's role, not on one of ws-channels.
 */
export const registryStatements: readonly Statement[] = [
  { actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], resources: [table('connections')] },
  {
    actions: ['dynamodb:GetItem'],
    resources: [table('runs')],
    condition: {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [deploymentWindowKey] },
    },
  },
  manageConnections,
];

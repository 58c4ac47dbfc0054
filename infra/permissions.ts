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
  /**
   * Every deployment group of the app's CodeDeploy application (`deploymentgroup:{app}/*`): a
   * sibling in the deployment window may be another function's group. Left out as above.
   */
  | { readonly kind: 'appDeploymentGroups' }
  /** The app's functions, the ones CodeDeploy deploys, unqualified. */
  | { readonly kind: 'appFunction' }
  /** Their versions and aliases (`{function ARN}:*`). */
  | { readonly kind: 'appFunctionVersions' }
  /**
   * The alarms of this account and region, when the deployment group rolls back on alarms
   * (custom.deploymentSettings.alarms); otherwise none, and a statement naming them is left out.
   */
  | { readonly kind: 'deploymentAlarms' }
  /** The queue of events Lambda gave up on (infra/invocation.ts). */
  | { readonly kind: 'failedEventsQueue' }
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
 * report their hook's status for the app's deployment groups only, ask CodeDeploy whether a
 * deployment in the window still runs, and (Lambda, on their behalf) put an event it gave up on
 * into the failed events queue. Only the calls functions/aws makes (test/unit/infra checks it).
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
    // Suspend and undo scan the table (consistently); resume reads a given list, and writes
    // every result as PartiQL statements in batches.
    {
      actions: [
        'dynamodb:Scan',
        'dynamodb:BatchGetItem',
        'dynamodb:PartiQLUpdate',
        'dynamodb:PartiQLDelete',
      ],
      resources: [table('connections')],
    },
    // Resume reads the suspended index.
    {
      actions: ['dynamodb:Query', 'dynamodb:Scan'],
      resources: [{ kind: 'tableIndexes', table: 'connections' }],
    },
    // Run records, the lease, hook claims and the deployment window: item by item.
    {
      actions: [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
      ],
      resources: [table('runs')],
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
    // GetDeployment is authorized on the deployment group (CodeDeploy permissions reference).
    {
      actions: ['codedeploy:GetDeployment'],
      resources: [{ kind: 'appDeploymentGroups' }],
    },
    {
      actions: ['sqs:SendMessage'],
      resources: [{ kind: 'failedEventsQueue' }],
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
 * CodeDeploy's own role, in place of the AWS managed AWSCodeDeployRoleForLambdaLimited (which
 * allows lambda:UpdateAlias on every function of the account): of that policy, what a Lambda
 * deployment through CloudFormation uses, on the app's function only (read and shift its alias,
 * read its provisioned concurrency), DescribeAlarms when the group rolls back on alarms, and
 * invoking the two hooks. serverless-plugin-canary-deployments' default role would attach
 * AWSLambda_FullAccess.
 */
export const codeDeployRole: RoleDescription = {
  id: 'codeDeploy',
  assumedBy: 'codedeploy.amazonaws.com',
  policyName: 'ws-channels-deploy-app',
  statements: [
    {
      actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetProvisionedConcurrencyConfig'],
      resources: [{ kind: 'appFunction' }, { kind: 'appFunctionVersions' }],
    },
    {
      actions: ['lambda:InvokeFunction'],
      resources: [
        { kind: 'function', function: 'suspend' },
        { kind: 'function', function: 'resume' },
      ],
    },
    { actions: ['cloudwatch:DescribeAlarms'], resources: [{ kind: 'deploymentAlarms' }] },
  ],
  managedPolicies: [],
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

import type {
  GlobalIndexDescription,
  KeyAttribute,
  RoleDescription,
  RoleId,
  Statement,
  SymbolicResource,
  TableDescription,
  TableId,
} from '../infra/index.js';
import { rolesInVpc, vpcAccessPolicy } from '../infra/index.js';
import {
  accountArn,
  awsManagedPolicyArn,
  type CfnResource,
  type CfnValue,
  getAtt,
  type IamStatement,
  sub,
} from './cloudformation.js';
import type { Names } from './names.js';

// Renders infra/'s tables and roles as CloudFormation: each symbolic resource of a statement
// becomes an ARN (Fn::GetAtt of the plugin's own resources, Fn::Sub of this account and region).
// Pure functions: they take the description and names and return template fragments; the plugin
// decides where they go.

/** Logical ids of what the plugin adds, prefixed so they never collide with the app's own. */
export const tableLogicalIds: Readonly<Record<TableId, string>> = {
  connections: 'WsChannelsConnectionsTable',
  runs: 'WsChannelsRunsTable',
};
export const roleLogicalIds: Readonly<Record<RoleId, string>> = {
  run: 'WsChannelsRunRole',
  keepalive: 'WsChannelsKeepaliveRole',
  codeDeploy: 'WsChannelsCodeDeployRole',
};
/** The queue of events Lambda gave up on (see invocation-resources.ts). */
export const failedEventsQueueLogicalId = 'WsChannelsFailedEventsQueue';

/** What the symbolic resources are in this service. */
export interface ResourceContext {
  readonly names: Names;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** The tables exist already: named by ARN, not through the plugin's resources. */
  readonly existingTables: boolean;
}

const keySchema = (partitionKey: KeyAttribute, sortKey?: KeyAttribute) => [
  { AttributeName: partitionKey.name, KeyType: 'HASH' },
  ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
];

const projection = ({ projection: given }: GlobalIndexDescription) =>
  given.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...given.nonKeyAttributes] }
    : { ProjectionType: given.type };

/** Every key attribute of the table and its indexes, each once, the table's first. */
function attributeDefinitions(table: TableDescription) {
  const keys = [
    table.partitionKey,
    ...table.globalIndexes.flatMap(({ partitionKey, sortKey }) =>
      sortKey ? [partitionKey, sortKey] : [partitionKey],
    ),
  ];
  const seen = new Map<string, KeyAttribute>();
  for (const key of keys) if (!seen.has(key.name)) seen.set(key.name, key);
  return [...seen.values()].map(({ name, type }) => ({ AttributeName: name, AttributeType: type }));
}

/** A table of infra/tables.ts as an AWS::DynamoDB::Table named `tableName`. */
export function tableResource(table: TableDescription, tableName: string): CfnResource {
  const indexes = table.globalIndexes.map((index) => ({
    IndexName: index.name,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: projection(index),
  }));
  // Lookups, not literals: a billing or an encryption added to infra/ fails to type-check here.
  return {
    Type: 'AWS::DynamoDB::Table',
    Properties: {
      TableName: tableName,
      BillingMode: { 'on-demand': 'PAY_PER_REQUEST' }[table.billing],
      AttributeDefinitions: attributeDefinitions(table),
      KeySchema: keySchema(table.partitionKey),
      ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
      TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
      ...(table.pointInTimeRecovery === undefined
        ? {}
        : {
            PointInTimeRecoverySpecification: {
              PointInTimeRecoveryEnabled: table.pointInTimeRecovery,
            },
          }),
      // SSEEnabled without a key: the AWS managed key of DynamoDB.
      SSESpecification: { SSEEnabled: { 'aws-managed-key': true }[table.encryption] },
    },
  };
}

/** The ARNs of a symbolic resource here; none when this service has none (see infra). */
function arnsOf(resource: SymbolicResource, context: ResourceContext): CfnValue[] {
  const { names, tableNames, existingTables } = context;
  switch (resource.kind) {
    case 'table':
      return existingTables
        ? [sub(accountArn('dynamodb', `table/${tableNames[resource.table]}`))]
        : [getAtt(tableLogicalIds[resource.table], 'Arn')];
    case 'tableIndexes':
      return existingTables
        ? [sub(accountArn('dynamodb', `table/${tableNames[resource.table]}/index/*`))]
        : [sub(`\${${tableLogicalIds[resource.table]}.Arn}/index/*`)];
    case 'connectionCallbacks':
      return [
        sub(accountArn('execute-api', `\${ApiId}/${names.stage}/POST/@connections/*`), {
          ApiId: names.apiId,
        }),
      ];
    case 'function':
      return [sub(accountArn('lambda', `function:${names.functions[resource.function]}`))];
    case 'functionVersions':
      return [sub(accountArn('lambda', `function:${names.functions[resource.function]}:*`))];
    case 'appDeploymentGroup': {
      // One deployment group per function of custom.wsChannels.app.
      const groups = names.deploymentGroups;
      return (groups?.names ?? []).map((name) =>
        sub(
          accountArn('codedeploy', `deploymentgroup:\${${groups?.applicationLogicalId}}/${name}`),
        ),
      );
    }
    case 'appDeploymentGroups': {
      const groups = names.deploymentGroups;
      return groups === undefined
        ? []
        : [sub(accountArn('codedeploy', `deploymentgroup:\${${groups.applicationLogicalId}}/*`))];
    }
    case 'appFunction':
      return names.appFunctionLogicalIds.map((id) =>
        sub(accountArn('lambda', `function:\${${id}}`)),
      );
    case 'appFunctionVersions':
      return names.appFunctionLogicalIds.map((id) =>
        sub(accountArn('lambda', `function:\${${id}}:*`)),
      );
    case 'deploymentAlarms':
      return names.deploymentAlarms ? [sub(accountArn('cloudwatch', 'alarm:*'))] : [];
    case 'failedEventsQueue':
      return [getAtt(failedEventsQueueLogicalId, 'Arn')];
    case 'logGroup':
      return [
        sub(accountArn('logs', `log-group:/aws/lambda/${names.functions[resource.function]}:*`)),
      ];
  }
}

/** Statements as IAM writes them; one naming a resource this service lacks is left out. */
export function renderStatements(
  statements: readonly Statement[],
  context: ResourceContext,
): IamStatement[] {
  return statements.flatMap((statement) => {
    const arns = statement.resources.map((resource) => arnsOf(resource, context));
    if (arns.some((named) => named.length === 0)) return [];
    const resources = arns.flat();
    return [
      {
        Effect: 'Allow',
        Action: [...statement.actions],
        Resource: resources,
        ...(statement.condition === undefined ? {} : { Condition: statement.condition }),
      },
    ];
  });
}

/** A role of infra/permissions.ts as an AWS::IAM::Role; in a VPC, able to manage its interfaces. */
export function roleResource(
  role: RoleDescription,
  context: ResourceContext,
  inVpc: boolean,
): CfnResource {
  const managed = [
    ...role.managedPolicies,
    ...(inVpc && rolesInVpc.includes(role.id) ? [vpcAccessPolicy] : []),
  ];
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: role.assumedBy }, Action: 'sts:AssumeRole' },
        ],
      },
      ...(managed.length > 0 ? { ManagedPolicyArns: managed.map(awsManagedPolicyArn) } : {}),
      Policies: [
        {
          PolicyName: role.policyName,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: renderStatements(role.statements, context),
          },
        },
      ],
    },
  };
}

import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type {
  FunctionId,
  KeyAttribute,
  Projection,
  RoleDescription,
  Statement,
  SymbolicResource,
  TableDescription,
  TableId,
} from '../infra/index.js';

// Renders infra/'s tables and roles with CDK constructs: each symbolic resource of a statement
// becomes the ARN of a construct of this stack (a token). No statement is written here: every
// action and resource comes from infra/permissions.ts, as in the Serverless plugin's rendering.

/** What each symbolic resource of infra/permissions.ts is in this stack. */
export interface ResourceArns {
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  readonly functions: Readonly<Record<FunctionId, string>>;
  readonly logGroups: Readonly<Record<FunctionId, string>>;
  /** POST on this API and stage's @connections, and no other's. */
  readonly connectionCallbacks: string;
  /** One deployment group per app function; none when nothing deploys through CodeDeploy. */
  readonly appDeploymentGroups: readonly string[];
  /** Every deployment group of the app's CodeDeploy application (`deploymentgroup:{app}/*`). */
  readonly applicationDeploymentGroups: readonly string[];
  /** The app's functions, unqualified: CodeDeploy reads and shifts their aliases. */
  readonly appFunctions: readonly string[];
  /** The queue of events Lambda gave up on. */
  readonly failedEventsQueue: string;
}

function arnsOf(resource: SymbolicResource, arns: ResourceArns): readonly string[] {
  switch (resource.kind) {
    case 'table':
      return [arns.tables[resource.table].tableArn];
    case 'tableIndexes':
      return [`${arns.tables[resource.table].tableArn}/index/*`];
    case 'connectionCallbacks':
      return [arns.connectionCallbacks];
    case 'function':
      return [arns.functions[resource.function]];
    case 'functionVersions':
      return [`${arns.functions[resource.function]}:*`];
    case 'appDeploymentGroup':
      return arns.appDeploymentGroups;
    case 'appDeploymentGroups':
      return arns.applicationDeploymentGroups;
    case 'appFunction':
      return arns.appFunctions;
    case 'appFunctionVersions':
      return arns.appFunctions.map((arn) => `${arn}:*`);
    case 'deploymentAlarms':
      // The construct configures no alarms to roll back on: the statement is left out.
      return [];
    case 'failedEventsQueue':
      return [arns.failedEventsQueue];
    case 'logGroup':
      return [arns.logGroups[resource.function]];
  }
}

/** Statements as IAM policy statements; one that names a resource this stack lacks is left out. */
export function renderStatements(
  statements: readonly Statement[],
  arns: ResourceArns,
): iam.PolicyStatement[] {
  return statements.flatMap((statement) => {
    const perResource = statement.resources.map((resource) => arnsOf(resource, arns));
    if (perResource.some((resolved) => resolved.length === 0)) return [];
    return [
      new iam.PolicyStatement({
        effect: iam.Effect.ALLOW,
        actions: [...statement.actions],
        resources: perResource.flat(),
        ...(statement.condition === undefined
          ? {}
          : { conditions: structuredClone(statement.condition) }),
      }),
    ];
  });
}

/** A role of infra/ and the one inline policy its statements go in, once the ARNs are known. */
export interface RenderedRole {
  readonly role: iam.Role;
  /**
   * What functions and deployment groups are given: CDK's own grants on it (a hook's invoke, the
   * hook status report, a deployment group's managed policy) are dropped, so that the role holds
   * exactly infra/'s statements.
   */
  readonly withoutGrants: iam.IRole;
  /** The role's statements, added by renderPolicy; a resource of its own, see there. */
  policy?: iam.Policy;
}

export function renderRole(scope: Construct, id: string, described: RoleDescription): RenderedRole {
  const role = new iam.Role(scope, id, {
    assumedBy: new iam.ServicePrincipal(described.assumedBy),
    description: `ws-channels: ${described.policyName}`,
    managedPolicies: described.managedPolicies.map((name) =>
      iam.ManagedPolicy.fromAwsManagedPolicyName(name),
    ),
  });
  return { role, withoutGrants: role.withoutPolicyUpdates() };
}

/**
 * The role's statements in an inline policy of their own (AWS::IAM::Policy), not in the role:
 * they name the functions that run with the role, which a policy inside the role could not do
 * without a circular dependency.
 */
export function renderPolicy(
  scope: Construct,
  id: string,
  rendered: RenderedRole,
  described: RoleDescription,
  arns: ResourceArns,
): iam.Policy {
  const policy = new iam.Policy(scope, id, {
    policyName: described.policyName,
    statements: renderStatements(described.statements, arns),
    roles: [rendered.role],
  });
  rendered.policy = policy;
  return policy;
}

const attributeTypes: Readonly<Record<KeyAttribute['type'], dynamodb.AttributeType>> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};
const attribute = ({ name, type }: KeyAttribute): dynamodb.Attribute => ({
  name,
  type: attributeTypes[type],
});

function projection(
  given: Projection,
): Pick<dynamodb.GlobalSecondaryIndexPropsV2, 'projectionType' | 'nonKeyAttributes'> {
  switch (given.type) {
    case 'KEYS_ONLY':
      return { projectionType: dynamodb.ProjectionType.KEYS_ONLY };
    case 'ALL':
      return { projectionType: dynamodb.ProjectionType.ALL };
    case 'INCLUDE':
      return {
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...given.nonKeyAttributes],
      };
  }
}

/**
 * A table of infra/tables.ts as a TableV2, named by CloudFormation. It holds only state that
 * expires within 2 hours, so it goes with the stack (as the plugin's tables do).
 */
export function renderTable(
  scope: Construct,
  id: string,
  table: TableDescription,
): dynamodb.TableV2 {
  // Lookups, not literals: a billing or an encryption added to infra/ fails to type-check here.
  return new dynamodb.TableV2(scope, id, {
    partitionKey: attribute(table.partitionKey),
    globalSecondaryIndexes: table.globalIndexes.map((index) => ({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey === undefined ? {} : { sortKey: attribute(index.sortKey) }),
      ...projection(index.projection),
    })),
    timeToLiveAttribute: table.timeToLiveAttribute,
    billing: { 'on-demand': dynamodb.Billing.onDemand() }[table.billing],
    encryption: { 'aws-managed-key': dynamodb.TableEncryptionV2.awsManagedKey() }[table.encryption],
    ...(table.pointInTimeRecovery === undefined
      ? {}
      : {
          pointInTimeRecoverySpecification: {
            pointInTimeRecoveryEnabled: table.pointInTimeRecovery,
          },
        }),
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

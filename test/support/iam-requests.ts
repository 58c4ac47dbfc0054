import type { RecordedCall } from '../../functions/aws/call-recording.js';
import { fakeAccount } from './template-roles.js';

// What IAM is asked when a function makes a recorded call (functions/aws/call-recording.ts): the
// action, the resource's ARN in the made-up account of template-roles.ts, and the condition keys
// a statement may test (dynamodb:LeadingKeys). A command this module does not know is an error,
// so a new kind of call gets its mapping before the check can pass.

export interface IamRequest {
  action: string;
  resource: string;
  context: Record<string, string[]>;
}

/** What the stack names that a call does not carry itself. */
export interface CallScope {
  /** The stage the functions' @connections belong to. */
  stage: string;
  /** The deployment group a hook's deployment belongs to (the app's, in the template). */
  deploymentGroupArn: string;
  /** The partition key attribute of each table, by table name. */
  partitionKeyOf(tableName: string): string | undefined;
}

const { partition, region, accountId, apiId } = fakeAccount;
const tableArn = (table: string, index?: string) =>
  `arn:${partition}:dynamodb:${region}:${accountId}:table/${table}${index ? `/index/${index}` : ''}`;

type Input = Record<string, unknown>;

/** A DynamoDB attribute value's string (`{ S: 'x' }`), or a plain string. */
const stringOf = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const attribute = value as { S?: unknown; N?: unknown } | undefined;
  const scalar = attribute?.S ?? attribute?.N;
  return typeof scalar === 'string' ? scalar : undefined;
};

function itemRequest(action: string, input: Input, scope: CallScope): IamRequest {
  const table = String(input.TableName);
  const key = (input.Key ?? input.Item) as Input | undefined;
  const attribute = scope.partitionKeyOf(table);
  const leadingKey = attribute && key ? stringOf(key[attribute]) : undefined;
  return {
    action,
    resource: tableArn(table),
    context: leadingKey === undefined ? {} : { 'dynamodb:LeadingKeys': [leadingKey] },
  };
}

/** A PartiQL statement's action and table (and index): `UPDATE "t" …`, `SELECT … FROM "t"."i"`. */
function statementRequest(statement: string): IamRequest {
  const verb = /^\s*(SELECT|INSERT|UPDATE|DELETE)\b/i.exec(statement)?.[1]?.toUpperCase();
  const target =
    /^\s*(?:UPDATE|DELETE\s+FROM|INSERT\s+INTO|SELECT\s.*?\sFROM)\s+"([^"]+)"(?:\."([^"]+)")?/is.exec(
      statement,
    );
  if (!verb || !target?.[1]) throw new Error(`PartiQL statement not understood: ${statement}`);
  const action = `dynamodb:PartiQL${verb[0]}${verb.slice(1).toLowerCase()}`;
  return { action, resource: tableArn(target[1], target[2]), context: {} };
}

function dynamodbRequests(command: string, input: Input, scope: CallScope): IamRequest[] {
  const action = `dynamodb:${command}`;
  switch (command) {
    case 'GetItem':
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return [itemRequest(action, input, scope)];
    case 'Query':
    case 'Scan':
    case 'DescribeTable':
      return [
        {
          action,
          resource: tableArn(String(input.TableName), input.IndexName as string | undefined),
          context: {},
        },
      ];
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys(input.RequestItems as Input).map((table) => ({
        action,
        resource: tableArn(table),
        context: {},
      }));
    case 'ExecuteStatement':
      return [statementRequest(String(input.Statement))];
    case 'BatchExecuteStatement':
      return (input.Statements as Array<{ Statement: string }>).map(({ Statement }) =>
        statementRequest(Statement),
      );
    default:
      throw new Error(`DynamoDB ${command} has no IAM mapping here yet`);
  }
}

const connectionMethods: Record<string, string> = {
  PostToConnection: 'POST',
  GetConnection: 'GET',
  DeleteConnection: 'DELETE',
};

/** The IAM requests one recorded call makes (a batch of statements makes one per statement). */
export function iamRequestsOf(call: RecordedCall, scope: CallScope): IamRequest[] {
  const command = call.command.replace(/Command$/, '');
  const input = (call.input ?? {}) as Input;
  switch (call.client) {
    case 'DynamoDBClient':
      return dynamodbRequests(command, input, scope);
    case 'LambdaClient': {
      if (command !== 'Invoke') throw new Error(`Lambda ${command} has no IAM mapping here yet`);
      const name = String(input.FunctionName);
      const resource = name.startsWith('arn:')
        ? name.replace(
            /^arn:[^:]+:lambda:[^:]+:[^:]+:/,
            `arn:${partition}:lambda:${region}:${accountId}:`,
          )
        : `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
      return [{ action: 'lambda:InvokeFunction', resource, context: {} }];
    }
    case 'CodeDeployClient':
      // Both calls CodeDeploy authorizes on the deployment's group (the Service Authorization
      // Reference's resource type `deploymentgroup`).
      if (command !== 'PutLifecycleEventHookExecutionStatus' && command !== 'GetDeployment')
        throw new Error(`CodeDeploy ${command} has no IAM mapping here yet`);
      return [{ action: `codedeploy:${command}`, resource: scope.deploymentGroupArn, context: {} }];
    case 'ApiGatewayManagementApiClient':
    case 'SignedManagementApiPoster': {
      const method = connectionMethods[command];
      if (!method) throw new Error(`Management API ${command} has no IAM mapping here yet`);
      const resource = `arn:${partition}:execute-api:${region}:${accountId}:${apiId}/${scope.stage}/${method}/@connections/${String(input.ConnectionId)}`;
      return [{ action: 'execute-api:ManageConnections', resource, context: {} }];
    }
    default:
      throw new Error(`${call.client} has no IAM mapping here yet`);
  }
}

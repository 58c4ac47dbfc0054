import { Duration, Token } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import {
  type EnvironmentVariable,
  type FunctionDescription,
  handlerExport,
  type LambdaRuntime,
  renderEnvironment,
  type TableId,
  type Tuning,
} from '../infra/index.js';
import { bundleFile, bundleFolder } from './bundles.js';

// Renders infra/'s functions (suspend, resume, ping) as Lambda functions whose code is the bundle
// the package ships (cdk/bundles.ts), each with a log group of its own: its role may write its
// logs there and nowhere else (infra/permissions.ts gives no logs:CreateLogGroup).

/** What the stack's named values are here. */
export interface EnvironmentContext {
  readonly tables: Readonly<Record<TableId, dynamodb.ITable>>;
  readonly websocketEndpoint: string;
  readonly tuning: Tuning;
}

/** A setting as an environment value: a token stays a token, an unset limit is ''. */
function settingValue(value: Tuning[keyof Tuning]): string {
  if (value === undefined) return '';
  return typeof value === 'number' && Token.isUnresolved(value)
    ? Token.asString(value)
    : String(value);
}

export function environmentOf(
  variables: readonly EnvironmentVariable[],
  context: EnvironmentContext,
): Record<string, string> {
  return renderEnvironment(variables, {
    tableName: (table) => context.tables[table].tableName,
    websocketEndpoint: context.websocketEndpoint,
    setting: (setting) => settingValue(context.tuning[setting]),
  });
}

export interface RenderedFunction {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
}

export interface FunctionOptions {
  /** The stack's choice; the description gives the default. */
  readonly runtime: LambdaRuntime;
  readonly role: iam.IRole;
  readonly environment: EnvironmentContext;
  readonly logRetention: logs.RetentionDays;
  /** For the functions invoked asynchronously (infra/invocation.ts asyncFunctions). */
  readonly reservedConcurrency?: number | undefined;
}

export function renderFunction(
  scope: Construct,
  id: string,
  described: FunctionDescription,
  options: FunctionOptions,
): RenderedFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: options.logRetention });
  const rendered = new lambda.Function(scope, id, {
    code: lambda.Code.fromAsset(bundleFolder(described)),
    handler: `${bundleFile.replace(/\.mjs$/, '')}.${handlerExport}`,
    runtime: new lambda.Runtime(options.runtime, lambda.RuntimeFamily.NODEJS),
    description: described.description,
    memorySize: described.memorySizeMb,
    timeout: Duration.seconds(described.timeoutSeconds),
    role: options.role,
    environment: environmentOf(described.environment, options.environment),
    logGroup,
    ...(options.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrentExecutions: options.reservedConcurrency }),
  });
  return { function: rendered, logGroup };
}

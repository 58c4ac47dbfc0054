import { asList, type CfnTemplate, type IamStatement, isPlainObject } from './cloudformation.js';
import { appFunctions } from './functions.js';
import type { PluginLog, ServiceConfig } from './serverless.js';

// The role osls builds for the service's functions (provider.iam.role, `IamRoleLambdaExecution`):
// the app's WebSocket functions run with it, so it gets the registry's statements, and loses what
// osls and the canary plugin put on it that is wider than they need.

/** The resource of the statement osls adds to its own role for WebSocket functions. */
const WIDE_MANAGE_CONNECTIONS = 'execute-api:*:*:*/@connections/*';
/** What a CodeDeploy hook's status is reported with. */
const HOOK_STATUS_ACTION = 'codedeploy:PutLifecycleEventHookExecutionStatus';

/** A provider role osls builds itself (statements are appended) versus a role of the team's. */
const isFrameworkRole = (role: unknown): boolean =>
  role === undefined ||
  (isPlainObject(role) &&
    !role['Fn::GetAtt'] &&
    !role.Ref &&
    !role['Fn::ImportValue'] &&
    !role['Fn::Sub']);

/**
 * The app's WebSocket functions run the registry middleware: the framework's role gets its
 * statements; a role of the team's own is left alone, with a warning of what it needs.
 *
 * @returns whether the framework's role got them
 */
export function grantAppFunctions(
  service: ServiceConfig,
  statements: readonly IamStatement[],
  log: PluginLog | undefined,
): boolean {
  const functions = appFunctions(service);
  const needs = (who: string) =>
    `ws-channels: ${who} is a role of your own; give it ${JSON.stringify(statements)}`;

  for (const [key, definition] of functions) {
    if (definition.role !== undefined) log?.warning?.(needs(`functions.${key}.role`));
  }
  if (!functions.some(([, definition]) => definition.role === undefined)) return false;

  const iam = isPlainObject(service.provider.iam) ? service.provider.iam : {};
  service.provider.iam = iam;
  if (!isFrameworkRole(iam.role)) {
    log?.warning?.(needs('provider.iam.role'));
    return false;
  }
  const role = isPlainObject(iam.role) ? iam.role : {};
  role.statements = [...asList(role.statements), ...statements];
  iam.role = role;
  return true;
}

/** osls's statements for the log groups of every function named `{service}-{stage}-…`. */
const SERVICE_LOG_GROUPS =
  /^(arn:\$\{AWS::Partition\}:logs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:log-group:\/aws\/lambda\/)[^:*]+\*(:\*(?::\*)?)$/;

/**
 * osls grants its role every log group of the service (`/aws/lambda/{service}-{stage}*`), so the
 * app's functions could write into suspend's and resume's and forge their metrics: each such
 * resource becomes the log groups of the functions that run with the role (`functionNames`).
 */
function narrowLogGroups(resource: unknown, functionNames: readonly string[]): unknown[] {
  const text = isPlainObject(resource) ? resource['Fn::Sub'] : undefined;
  const match = typeof text === 'string' ? SERVICE_LOG_GROUPS.exec(text) : null;
  if (match === null) return [resource];
  const [, prefix, suffix] = match;
  return functionNames.map((name) => ({ 'Fn::Sub': `${prefix}${name}${suffix}` }));
}

/**
 * The framework's role, which the app's functions run with, loses three grants:
 * - the canary plugin's codedeploy:PutLifecycleEventHookExecutionStatus: only suspend and
 *   resume report a hook's status (their own role may); an app function that could would be
 *   able to report Succeeded over their verdict;
 * - osls's ManageConnections on every API of every account and region (WIDE_MANAGE_CONNECTIONS),
 *   once the registry's statements gave one that names this API and stage (`granted`);
 * - osls's log groups of every function of the service: only those of the functions that run
 *   with it (`functionNames`) remain.
 */
export function narrowFrameworkRole(
  template: CfnTemplate,
  roleLogicalId: string,
  granted: boolean,
  functionNames: readonly string[],
): void {
  const policies = template.Resources?.[roleLogicalId]?.Properties?.Policies;
  const [policy] = asList(policies);
  const document = isPlainObject(policy) ? policy.PolicyDocument : undefined;
  if (!isPlainObject(document) || !Array.isArray(document.Statement)) return;
  const grantsHookStatus = (statement: unknown) =>
    isPlainObject(statement) && asList(statement.Action).includes(HOOK_STATUS_ACTION);
  const isWideManageConnections = (statement: unknown) =>
    granted &&
    isPlainObject(statement) &&
    JSON.stringify(statement.Resource ?? '').includes(WIDE_MANAGE_CONNECTIONS);
  const statements = document.Statement.filter(
    (statement: unknown) => !grantsHookStatus(statement) && !isWideManageConnections(statement),
  );
  for (const statement of statements) {
    if (!isPlainObject(statement) || statement.Effect !== 'Allow') continue;
    if (!asList(statement.Action).some((action) => String(action).startsWith('logs:'))) continue;
    const narrowed = asList(statement.Resource).flatMap((resource) =>
      narrowLogGroups(resource, functionNames),
    );
    // A custom-named function is already listed on its own: once is enough.
    statement.Resource = [
      ...new Map(narrowed.map((resource) => [JSON.stringify(resource), resource])).values(),
    ];
  }
  // A statement left with no resource (every such function has disableLogs) is invalid IAM.
  document.Statement = statements.filter(
    (statement: unknown) => !isPlainObject(statement) || asList(statement.Resource).length > 0,
  );
}

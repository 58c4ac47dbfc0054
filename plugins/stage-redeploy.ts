import { createHash } from 'node:crypto';
import { asList, type CfnResource, type CfnTemplate, isPlainObject } from './cloudformation.js';

// Redeploys the WebSocket stage whenever its routes, integrations or invoke permissions change.
//
// osls names the AWS::ApiGatewayV2::Deployment `WebsocketsDeployment<hash>` from the template as it
// stands in `package:compileEvents`, before serverless-plugin-canary-deployments points the app's
// integration and its invoke permission at the `Live` alias. The id therefore ignores that
// rewrite: a stack that gains `deploymentSettings` keeps its old deployment, so the stage keeps
// calling the bare function while the permission has moved to the alias, and every app message
// fails until some later deploy. The plugin renames the deployment after every plugin has edited
// the template, from a hash of the final WebSocket resources.

const DEPLOYMENT_PREFIX = 'WebsocketsDeployment';
const DEPLOYMENT_TYPE = 'AWS::ApiGatewayV2::Deployment';
const STAGE_TYPE = 'AWS::ApiGatewayV2::Stage';

/** Key-sorted JSON: the same template gives the same text whatever order plugins wrote it in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What the stage serves: the API, everything attached to it (routes, integrations, route
 * responses, authorizers) and the invoke permissions that depend on it, with the deployment
 * itself. The stage is left out: it names the deployment, so it cannot be part of its name.
 */
function servedResources(
  resources: Record<string, CfnResource>,
  deploymentId: string,
): Record<string, CfnResource> {
  const apiIdOf = (resource: CfnResource | undefined) => resource?.Properties?.ApiId;
  const deploymentApi = apiIdOf(resources[deploymentId]);
  const apiId = canonicalJson(deploymentApi);
  const apiLogicalId = isPlainObject(deploymentApi) ? deploymentApi.Ref : undefined;
  const served: Record<string, CfnResource> = {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === STAGE_TYPE) continue;
    if (
      logicalId === deploymentId ||
      logicalId === apiLogicalId ||
      (apiIdOf(resource) !== undefined && canonicalJson(apiIdOf(resource)) === apiId) ||
      (apiLogicalId !== undefined && asList(resource.DependsOn).includes(apiLogicalId))
    ) {
      served[logicalId] = resource;
    }
  }
  return served;
}

/** Points every Ref, Fn::GetAtt, Fn::Sub and DependsOn naming `from` at `to`, in place. */
function renameReferences(node: unknown, from: string, to: string): void {
  if (Array.isArray(node)) {
    for (const item of node) renameReferences(item, from, to);
    return;
  }
  if (!isPlainObject(node)) return;
  const subPattern = new RegExp(`\\$\\{${from}([.}])`, 'g');
  const renameSub = (text: string) => text.replace(subPattern, `\${${to}$1`);
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Ref' && value === from) node.Ref = to;
    else if (key === 'DependsOn') {
      node.DependsOn = Array.isArray(value)
        ? value.map((name) => (name === from ? to : name))
        : value === from
          ? to
          : value;
    } else if (key === 'Fn::GetAtt' && Array.isArray(value) && value[0] === from) value[0] = to;
    else if (key === 'Fn::GetAtt' && typeof value === 'string' && value.startsWith(`${from}.`)) {
      node[key] = `${to}${value.slice(from.length)}`;
    } else if (key === 'Fn::Sub') {
      if (typeof value === 'string') node[key] = renameSub(value);
      else if (Array.isArray(value) && typeof value[0] === 'string') value[0] = renameSub(value[0]);
    }
    renameReferences(node[key], from, to);
  }
}

/**
 * Renames the template's WebSocket deployment after a hash of what the stage serves.
 *
 * @param fail throws the framework's error with the message
 * @returns the old and the new logical id, or undefined when the template has no WebSocket API
 */
export function renameWebsocketDeployment(
  template: CfnTemplate,
  fail: (message: string) => never,
): { from: string; to: string } | undefined {
  const resources = template.Resources ?? {};
  const deployments = Object.keys(resources).filter(
    (logicalId) =>
      logicalId.startsWith(DEPLOYMENT_PREFIX) && resources[logicalId]?.Type === DEPLOYMENT_TYPE,
  );
  const [from] = deployments;
  if (from === undefined) return undefined;
  if (deployments.length > 1) {
    fail(
      `stage-redeploy: expected one WebSocket deployment in the template, found ${deployments.length} (${deployments.join(', ')}).`,
    );
  }
  const hash = createHash('sha256')
    .update(canonicalJson(servedResources(resources, from)))
    .digest('hex');
  const to = `${DEPLOYMENT_PREFIX}${hash}`;
  const deployment = resources[from];
  if (to === from || deployment === undefined) return { from, to };

  resources[to] = deployment;
  delete resources[from];
  renameReferences(template, from, to);
  // A reference in a form not handled above would deploy a template naming a missing resource.
  if (JSON.stringify(template).includes(from)) {
    fail(`stage-redeploy: ${from} is still referenced after renaming it to ${to}.`);
  }
  return { from, to };
}

import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { type FunctionId, functionKeys } from '../infra/index.js';
import { type CfnValue, isPlainObject, sub } from './cloudformation.js';
import type { Serverless } from './serverless.js';
import type { Settings } from './settings.js';

// Every name the plugin derives from the service, in one place: its functions' Lambda names, the
// canary plugin's deployment groups, where the runs post, where the handlers are.

const PACKAGE_NAME = 'ws-channels';
const DEFAULT_OFFLINE_WEBSOCKET_PORT = 3001;

/**
 * The package's root, the nearest folder above this file with a package.json: this file is
 * dist/plugins/names.js in the package, and plugins/names.ts in the repository's tests.
 */
function findPackageRoot(directory: string): string {
  const parent = path.dirname(directory);
  if (existsSync(path.join(directory, 'package.json')) || parent === directory) return directory;
  return findPackageRoot(parent);
}
const packageRoot = findPackageRoot(import.meta.dirname);

/** The canary plugin's CodeDeploy application and its deployment groups, one per app function. */
export interface DeploymentGroupNames {
  /** The logical id of the CodeDeploy application (Ref gives its name). */
  readonly applicationLogicalId: string;
  readonly names: readonly string[];
}

export interface Names {
  readonly stage: string;
  /** This API: `{ Ref: WebsocketsApi }`, or the id of an existing API. */
  readonly apiId: CfnValue;
  /** The Lambda name of each of the plugin's functions: `{service}-{stage}-{key}`. */
  readonly functions: Readonly<Record<FunctionId, string>>;
  /** The app's deployment groups; undefined on a stage the canary plugin does not deploy. */
  readonly deploymentGroups: DeploymentGroupNames | undefined;
  /** The logical id of each of the app's functions, the ones CodeDeploy deploys (Ref: name). */
  readonly appFunctionLogicalIds: readonly string[];
  /** Whether the deployment groups roll back on alarms (custom.deploymentSettings.alarms). */
  readonly deploymentAlarms: boolean;
  readonly websocketEndpoint: CfnValue;
}

/**
 * @param options the command line's options (`--websocketPort` of `osls offline`)
 */
export function deriveNames(
  serverless: Serverless,
  options: Readonly<Record<string, unknown>>,
  settings: Settings,
): Names {
  const { service } = serverless;
  const provider = serverless.getProvider('aws');
  const { naming } = provider;
  const stage = provider.getStage();
  const stackName = naming.getStackName();
  // An existing API (provider.apiGateway.websocketApiId) has no WebsocketsApi resource to Ref.
  const apiId = provider.getApiGatewayWebsocketApiId();
  const lambdaName = (id: FunctionId) => `${service.service}-${stage}-${functionKeys[id]}`;
  return {
    stage,
    apiId,
    functions: {
      suspend: lambdaName('suspend'),
      resume: lambdaName('resume'),
      ping: lambdaName('ping'),
    },
    // As serverless-plugin-canary-deployments 0.8.0 names them.
    deploymentGroups: deploysGradually(serverless, stage)
      ? {
          applicationLogicalId: `${naming.normalizeNameToAlphaNumericOnly(stackName)}DeploymentApplication`,
          names: settings.app.map((key) =>
            `${stackName}-${naming.getLambdaLogicalId(key)}DeploymentGroup`.slice(0, 100),
          ),
        }
      : undefined,
    appFunctionLogicalIds: settings.app.map((key) => naming.getLambdaLogicalId(key)),
    deploymentAlarms: hasDeploymentAlarms(serverless),
    websocketEndpoint:
      settings.websocketEndpoint ?? websocketEndpoint(serverless, options, stage, apiId),
  };
}

/**
 * Where suspend and resume post unless the settings say: serverless-offline's WebSocket server
 * under `osls offline` (no stage path there), else the API's stage URL on AWS.
 */
function websocketEndpoint(
  serverless: Serverless,
  options: Readonly<Record<string, unknown>>,
  stage: string,
  apiId: CfnValue,
): CfnValue {
  if (serverless.processedInput?.commands?.[0] === 'offline') {
    const offline = custom(serverless)['serverless-offline'];
    const port =
      options.websocketPort ??
      (isPlainObject(offline) ? offline.websocketPort : undefined) ??
      DEFAULT_OFFLINE_WEBSOCKET_PORT;
    return `http://localhost:${String(port)}`;
  }
  return sub(`https://\${ApiId}.execute-api.\${AWS::Region}.amazonaws.com/${stage}`, {
    ApiId: apiId,
  });
}

const custom = (serverless: Serverless): Record<string, unknown> =>
  isPlainObject(serverless.service.custom) ? serverless.service.custom : {};

/** The canary plugin deploys on every stage unless custom.deploymentSettings.stages says not. */
function deploysGradually(serverless: Serverless, stage: string): boolean {
  const settings = custom(serverless).deploymentSettings;
  const stages = isPlainObject(settings) ? settings.stages : undefined;
  return !Array.isArray(stages) || stages.length === 0 || stages.includes(stage);
}

/** Whether custom.deploymentSettings names alarms, on which CodeDeploy then rolls back. */
function hasDeploymentAlarms(serverless: Serverless): boolean {
  const settings = custom(serverless).deploymentSettings;
  const alarms = isPlainObject(settings) ? settings.alarms : undefined;
  return Array.isArray(alarms) && alarms.length > 0;
}

/**
 * Where the handlers are, as a path relative to the service folder (osls and serverless-offline
 * take handlers relative to it). The installed package's path is preferred to its real path, so
 * that a linked package (npm link, file:) still resolves inside the service folder.
 */
export function handlerBase(serviceDir: string): string {
  const installed = path.join(serviceDir, 'node_modules', PACKAGE_NAME);
  const root =
    existsSync(installed) && realpathSync(installed) === realpathSync(packageRoot)
      ? installed
      : packageRoot;
  return path.relative(serviceDir, path.join(root, 'dist')).split(path.sep).join('/');
}

import {
  appEnvironment,
  asyncFunctions,
  type EnvironmentVariable,
  functionKeys,
  handlerExport,
  type LifecycleEvent,
  lifecycleHooks,
  pingRoute,
  renderEnvironment,
  wsChannelsFunctions,
} from '../infra/index.js';
import { hasWebsocketEvent } from './app-setting.js';
import { type CfnValue, isPlainObject } from './cloudformation.js';
import { asyncInvocationProperties } from './invocation-resources.js';
import type { Names } from './names.js';
import { roleLogicalIds } from './resources.js';
import type { FunctionDefinition, ServiceConfig } from './serverless.js';
import type { Settings } from './settings.js';

// What the plugin adds to the service's functions: its own three (infra/functions.ts), the
// registry's environment on the app's WebSocket functions, and the app functions' deploymentSettings,
// which serverless-plugin-canary-deployments turns into CodeDeploy resources.

/** The function keys the plugin adds: a service must leave them free. */
export const ownFunctionKeys: readonly string[] = wsChannelsFunctions.map(({ key }) => key);

/** The value of each variable in this service: infra's rendering, with this service's names. */
function environmentOf(
  variables: readonly EnvironmentVariable[],
  settings: Settings,
  names: Names,
): Record<string, CfnValue> {
  const tableNames = { connections: settings.connectionsTable, runs: settings.runsTable };
  return renderEnvironment<CfnValue>(variables, {
    tableName: (table) => tableNames[table],
    websocketEndpoint: names.websocketEndpoint,
    // An unset limit is the empty string: the functions read it as unset.
    setting: (setting) => {
      const value = settings[setting];
      return value === undefined ? '' : String(value);
    },
  });
}

/**
 * suspend, resume and ping, their handlers in the installed package's dist/ (`base`); suspend and
 * resume with what Lambda does with their asynchronous events, ping on the route key the API's
 * expression gives its message.
 */
export function addFunctions(
  service: ServiceConfig,
  settings: Settings,
  names: Names,
  base: string,
): void {
  for (const described of wsChannelsFunctions) {
    const route =
      described.route === pingRoute ? (settings.pingRouteKey ?? pingRoute) : described.route;
    service.functions[described.key] = {
      name: names.functions[described.id],
      handler: `${base}/${described.entry}.${handlerExport}`,
      description: described.description,
      runtime: settings.runtime,
      role: roleLogicalIds[described.role],
      memorySize: described.memorySizeMb,
      timeout: described.timeoutSeconds,
      environment: environmentOf(described.environment, settings, names),
      events: route === undefined ? [] : [{ websocket: { route } }],
      ...(asyncFunctions.includes(described.id)
        ? asyncInvocationProperties(settings.reservedConcurrency)
        : {}),
    };
  }
}

/**
 * Leaves the CDK construct's bundles (`{base}/cdk`: megabytes the plugin's functions never load)
 * out of the service's zips; osls zips the whole service folder, node_modules included.
 */
export function excludeCdkBundles(service: ServiceConfig, base: string): void {
  const settings = isPlainObject(service.package) ? service.package : {};
  const patterns = Array.isArray(settings.patterns) ? settings.patterns : [];
  settings.patterns = [...patterns, `!${base}/cdk/**`];
  service.package = settings;
}

/** The app's functions: every WebSocket function of the service but the plugin's own. */
export function appFunctions(service: ServiceConfig): Array<[string, FunctionDefinition]> {
  return Object.entries(service.functions).filter(
    ([key, definition]) => !ownFunctionKeys.includes(key) && hasWebsocketEvent(definition),
  );
}

/** What the registry middleware reads, on every WebSocket function of the app. */
export function addAppEnvironment(service: ServiceConfig, settings: Settings, names: Names): void {
  const environment = environmentOf(appEnvironment, settings, names);
  for (const [, definition] of appFunctions(service)) {
    definition.environment = { ...(definition.environment ?? {}), ...environment };
  }
}

/** The canary plugin's name of each hook. */
const hookSetting: Readonly<Record<LifecycleEvent, string>> = {
  BeforeAllowTraffic: 'preTrafficHook',
  AfterAllowTraffic: 'postTrafficHook',
};

/**
 * CodeDeploy deploys each of the app's functions, a deployment group each: suspend before traffic
 * shifts, resume after. The groups share one deployment window (functions/core/run/): the first
 * suspend suspends everyone, and the resume of the last group to shift resumes everyone.
 */
export function setDeploymentSettings(service: ServiceConfig, settings: Settings): void {
  for (const key of settings.app) {
    const app = service.functions[key];
    if (app === undefined) continue;
    app.deploymentSettings = {
      type: settings.trafficShifting,
      alias: settings.alias,
      ...Object.fromEntries(
        lifecycleHooks.map(({ event, function: id }) => [hookSetting[event], functionKeys[id]]),
      ),
    };
  }
}

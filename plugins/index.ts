import path from 'node:path';
import {
  codeDeployRole,
  keepaliveRole,
  registryStatements,
  runRole,
  wsChannelsTables,
} from '../infra/index.js';
import { loadCanaryPlugin } from './canary-plugin.js';
import { getAtt, isPlainObject } from './cloudformation.js';
import { grantAppFunctions, narrowFrameworkRole } from './framework-role.js';
import {
  addAppEnvironment,
  addFunctions,
  excludeCdkBundles,
  ownFunctionKeys,
  setDeploymentSettings,
} from './functions.js';
import { deriveNames, handlerBase } from './names.js';
import {
  type ResourceContext,
  renderStatements,
  roleLogicalIds,
  roleResource,
  tableLogicalIds,
  tableResource,
} from './resources.js';
import type { PluginLog, PluginUtilities, Serverless } from './serverless.js';
import { describeProblems, readSettings, type Settings } from './settings.js';
import { renameWebsocketDeployment } from './stage-redeploy.js';

// The ws-channels Serverless Framework plugin: `plugins: [ws-channels]` and a few lines of
// `custom.wsChannels` add to an existing WebSocket app what infra/ describes: the suspend, resume
// and ping functions, the two tables, least-privilege roles, the CodeDeploy hooks on the app's
// function, the environment the registry middleware reads, and the stage redeploy.

export default class WsChannelsPlugin {
  readonly hooks: Record<string, () => void>;
  private readonly log: PluginLog | undefined;
  /** Whether the framework's role got the registry's statements (see framework-role.ts). */
  private grantedFrameworkRole = false;

  constructor(
    private readonly serverless: Serverless,
    private readonly options: Record<string, unknown> = {},
    utilities: PluginUtilities = {},
  ) {
    this.log = utilities.log;
    loadCanaryPlugin(serverless, (message) => this.fail(message));
    this.hooks = {
      // After variables are resolved and the functions loaded (osls runs `initialize` hooks
      // before any command's lifecycle), so `package` and `offline start` both see the result:
      // the canary plugin reads deploymentSettings at package time, serverless-dynamodb reads
      // the resources on migrate, serverless-offline reads the functions when it starts.
      initialize: () => this.configure(),
      // After every `mergeCustomProviderResources` hook, the canary plugin's included.
      'before:aws:package:finalize:saveServiceState': () => {
        this.narrowFrameworkRole();
        this.redeployStage();
      },
    };
  }

  private fail(message: string): never {
    throw new this.serverless.classes.Error(message, 'WS_CHANNELS_CONFIGURATION');
  }

  private configure(): void {
    const { service } = this.serverless;
    const stage = this.serverless.getProvider('aws').getStage();
    const custom = isPlainObject(service.custom) ? service.custom : {};
    const { settings, problems } = readSettings(custom.wsChannels, {
      name: service.service,
      stage,
      functions: service.functions,
    });
    const resources = isPlainObject(service.resources) ? service.resources.Resources : undefined;
    for (const logicalId of [...Object.values(tableLogicalIds), ...Object.values(roleLogicalIds)]) {
      if (isPlainObject(resources) && resources[logicalId] !== undefined) {
        problems.push(
          `resources.Resources.${logicalId} exists; expected that name free for ws-channels`,
        );
      }
    }
    for (const key of ownFunctionKeys) {
      if (service.functions[key] !== undefined) {
        problems.push(`functions.${key} exists; expected that name free for ws-channels`);
      }
    }
    if (settings === undefined || problems.length > 0) this.fail(describeProblems(problems));

    const base = handlerBase(this.serverless.serviceDir ?? process.cwd());
    // osls zips only what is inside the service folder: a handler above it would deploy missing.
    if (base.startsWith('../') || path.isAbsolute(base)) {
      this.fail(
        `ws-channels is installed outside the service folder (its handlers would be ${base}/functions/handlers); osls packages only the service folder: install ws-channels in the service's own node_modules (in an npm workspace: npm install ws-channels --install-strategy=nested)`,
      );
    }
    const names = deriveNames(this.serverless, this.options, settings);
    const context: ResourceContext = {
      names,
      tableNames: { connections: settings.connectionsTable, runs: settings.runsTable },
      existingTables: settings.existingTables,
    };
    addFunctions(service, settings, names, base);
    excludeCdkBundles(service, base);
    addAppEnvironment(service, settings, names);
    this.addResources(settings, context);
    this.grantedFrameworkRole = grantAppFunctions(
      service,
      renderStatements(registryStatements, context),
      this.log,
    );
    setDeploymentSettings(service, settings);
    this.log?.verbose?.(
      `ws-channels: ${settings.app} deploys through CodeDeploy (${settings.trafficShifting}); tables ${settings.connectionsTable}, ${settings.runsTable}`,
    );
  }

  /** Tables and roles, in service.resources so serverless-dynamodb's migrate sees the tables. */
  private addResources(settings: Settings, context: ResourceContext): void {
    const { service } = this.serverless;
    const resources = isPlainObject(service.resources) ? service.resources : {};
    const added = isPlainObject(resources.Resources) ? resources.Resources : {};
    resources.Resources = added;
    service.resources = resources;
    if (!settings.existingTables) {
      for (const table of wsChannelsTables(settings.suspendedIndex)) {
        added[tableLogicalIds[table.id]] = tableResource(table, context.tableNames[table.id]);
      }
    }
    // The added functions inherit provider.vpc; Lambda refuses a function in a VPC whose role may
    // not manage its network interfaces.
    const inVpc = service.provider.vpc !== undefined;
    for (const role of [runRole, keepaliveRole]) {
      added[roleLogicalIds[role.id]] = roleResource(role, context, inVpc);
    }

    const custom = isPlainObject(service.custom) ? service.custom : {};
    service.custom = custom;
    const deploymentSettings = isPlainObject(custom.deploymentSettings)
      ? custom.deploymentSettings
      : {};
    custom.deploymentSettings = deploymentSettings;
    const { suspend, resume } = context.names.functions;
    if (deploymentSettings.codeDeployRole === undefined) {
      added[roleLogicalIds.codeDeploy] = roleResource(codeDeployRole, context, inVpc);
      deploymentSettings.codeDeployRole = getAtt(roleLogicalIds.codeDeploy, 'Arn');
    } else {
      this.log?.notice?.(
        `ws-channels: custom.deploymentSettings.codeDeployRole is your own role; it must be allowed lambda:InvokeFunction on ${suspend} and ${resume}.`,
      );
    }
  }

  private narrowFrameworkRole(): void {
    const provider = this.serverless.getProvider('aws');
    narrowFrameworkRole(
      this.serverless.service.provider.compiledCloudFormationTemplate,
      provider.naming.getRoleLogicalId(),
      this.grantedFrameworkRole,
    );
  }

  /** See stage-redeploy.ts: the stage must redeploy when the canary plugin rewires it. */
  private redeployStage(): void {
    const renamed = renameWebsocketDeployment(
      this.serverless.service.provider.compiledCloudFormationTemplate,
      (message) => this.fail(message),
    );
    if (renamed) this.log?.verbose?.(`ws-channels: ${renamed.from} is now ${renamed.to}`);
  }
}

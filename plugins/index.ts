import path from 'node:path';
import {
  codeDeployRole,
  type FunctionId,
  functionKeys,
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
  setDeploymentSettings,
} from './functions.js';
import { deploymentEndedResources, failedEventsResources } from './invocation-resources.js';
import { deriveNames, handlerBase } from './names.js';
import {
  type OperatorTargetNames,
  operatorArguments,
  operatorCommands,
  operatorNamesOf,
  runOperatorFromPlugin,
} from './operator-commands.js';
import {
  type ResourceContext,
  renderStatements,
  roleLogicalIds,
  roleResource,
  tableLogicalIds,
  tableResource,
} from './resources.js';
import type { PluginLog, PluginUtilities, Serverless } from './serverless.js';
import { serviceProblems } from './service-problems.js';
import { describeProblems, readSettings, type Settings } from './settings.js';
import { renameWebsocketDeployment } from './stage-redeploy.js';
import { configureStage } from './stage-settings.js';

// The ws-channels Serverless Framework plugin: `plugins: [ws-channels]` and a few lines of
// `custom.wsChannels` add to an existing WebSocket app what infra/ describes: the suspend, resume
// and ping functions, the two tables, least-privilege roles, the CodeDeploy hooks on the app's
// functions, the environment the registry middleware reads, and the stage redeploy.

export default class WsChannelsPlugin {
  readonly hooks: Record<string, () => void | Promise<void>>;
  /** `osls ws-channels status|suspend|resume` (operator-commands.ts). */
  readonly commands = operatorCommands;
  /** The names the operator commands use, known once the service is configured. */
  private operatorNames: OperatorTargetNames | undefined;
  private readonly log: PluginLog | undefined;
  /** Whether the framework's role got the registry's statements (see framework-role.ts). */
  private grantedFrameworkRole = false;
  /** What package time needs of the settings (the stage's throttling and access log). */
  private settings: Settings | undefined;

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
        this.configureStage();
        this.redeployStage();
      },
      'ws-channels:status:run': () => this.operate('status'),
      'ws-channels:suspend:run': () => this.operate('suspend'),
      'ws-channels:resume:run': () => this.operate('resume'),
    };
  }

  /** Runs an operator command on this service's stage; its exit code becomes the process's. */
  private async operate(command: 'status' | 'suspend' | 'resume'): Promise<void> {
    if (!this.operatorNames) this.fail('ws-channels is not configured for this service');
    const code = await runOperatorFromPlugin(
      operatorArguments(command, this.operatorNames, this.options),
    );
    if (code !== 0) process.exitCode = code;
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
    problems.push(...serviceProblems(service, settings));
    if (settings === undefined || problems.length > 0) this.fail(describeProblems(problems));
    this.settings = settings;

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
    this.operatorNames = operatorNamesOf(this.serverless, names, settings);
    this.log?.verbose?.(
      `ws-channels: ${settings.app.join(', ')} deploy${settings.app.length === 1 ? 's' : ''} through CodeDeploy (${settings.trafficShifting}); tables ${settings.connectionsTable}, ${settings.runsTable}`,
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
    const { naming } = this.serverless.getProvider('aws');
    const functionLogicalId = (id: FunctionId) => naming.getLambdaLogicalId(functionKeys[id]);
    Object.assign(
      added,
      failedEventsResources(),
      deploymentEndedResources(context.names, {
        suspend: functionLogicalId('suspend'),
        resume: functionLogicalId('resume'),
        ping: functionLogicalId('ping'),
      }),
    );

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
    const { functions } = this.serverless.service;
    narrowFrameworkRole(
      this.serverless.service.provider.compiledCloudFormationTemplate,
      provider.naming.getRoleLogicalId(),
      this.grantedFrameworkRole,
      Object.values(functions)
        .filter((definition) => definition.role === undefined && definition.disableLogs !== true)
        .flatMap(({ name }) => (name === undefined ? [] : [name])),
    );
  }

  /** See stage-settings.ts: throttling and the access log. */
  private configureStage(): void {
    const { settings } = this;
    if (settings === undefined) return;
    const provider = this.serverless.getProvider('aws');
    const configured = configureStage(
      this.serverless.service.provider.compiledCloudFormationTemplate,
      provider.naming.getWebsocketsStageLogicalId(),
      {
        throttlingRateLimit: settings.throttlingRateLimit,
        throttlingBurstLimit: settings.throttlingBurstLimit,
        accessLogging: settings.accessLogging,
        accessLogGroupName: `/aws/websocket/${this.serverless.service.service}-${provider.getStage()}-ws-channels-access`,
      },
    );
    if (!configured) {
      this.log?.notice?.(
        'ws-channels: the WebSocket API is an existing one (provider.apiGateway.websocketApiId); set throttling and access logging on its stage yourself.',
      );
    }
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

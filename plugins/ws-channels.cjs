// The ws-channels Serverless Framework plugin: `plugins: [ws-channels]` and a few lines of
// `custom.wsChannels` add to an existing WebSocket app what the reference stack
// (serverless.yml) spells out by hand: the suspend, resume and ping functions, the two tables,
// least-privilege roles, the CodeDeploy hooks on the app's function, the environment the
// registry middleware reads, and the stage redeploy (plugins/stage-redeploy.cjs).
const { existsSync, realpathSync } = require('node:fs');
const path = require('node:path');
const { asList, renameWebsocketDeployment } = require('./stage-redeploy.cjs');
const {
  readSettings,
  describeProblems,
  isPlainObject,
  hasWebsocketEvent,
} = require('./ws-channels-settings.cjs');
const resources = require('./ws-channels-resources.cjs');

const PACKAGE_NAME = 'ws-channels';
const CANARY_PLUGIN = 'serverless-plugin-canary-deployments';
const PING_ROUTE = 'ws-channels.ping';
const DEFAULT_OFFLINE_WEBSOCKET_PORT = 3001;
/** The resource of the statement osls adds to its own role for WebSocket functions. */
const WIDE_MANAGE_CONNECTIONS = 'execute-api:*:*:*/@connections/*';
/** What a CodeDeploy hook's status is reported with. */
const HOOK_STATUS_ACTION = 'codedeploy:PutLifecycleEventHookExecutionStatus';

/** The keys of the functions the plugin adds (also the last part of their Lambda names). */
const FUNCTION_KEYS = {
  suspend: 'wsChannelsSuspend',
  resume: 'wsChannelsResume',
  ping: 'wsChannelsPing',
};

/** The names listed in `plugins` (a list, or `{ modules: [...] }`). */
function listedPlugins(plugins) {
  if (Array.isArray(plugins)) return plugins;
  if (isPlainObject(plugins) && Array.isArray(plugins.modules)) return plugins.modules;
  return [];
}

/**
 * Where the handlers are, as a path relative to the service folder (osls and serverless-offline
 * take handlers relative to it). The installed package's path is preferred to its real path, so
 * that a linked package (npm link, file:) still resolves inside the service folder.
 */
function handlerBase(serviceDir) {
  const packageRoot = path.resolve(__dirname, '..');
  const installed = path.join(serviceDir, 'node_modules', PACKAGE_NAME);
  const root =
    existsSync(installed) && realpathSync(installed) === realpathSync(packageRoot)
      ? installed
      : packageRoot;
  const relative = path.relative(serviceDir, path.join(root, 'dist', 'functions'));
  return relative.split(path.sep).join('/');
}

/** A provider role osls builds itself (statements are appended) versus a role of the team's. */
const isFrameworkRole = (role) =>
  role === undefined ||
  (isPlainObject(role) &&
    !role['Fn::GetAtt'] &&
    !role.Ref &&
    !role['Fn::ImportValue'] &&
    !role['Fn::Sub']);

class WsChannelsPlugin {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options ?? {};
    this.log = log;
    this.loadCanaryPlugin();
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

  fail(message) {
    throw new this.serverless.classes.Error(message, 'WS_CHANNELS_CONFIGURATION');
  }

  /**
   * `plugins: [ws-channels]` alone must give the CodeDeploy resources, so the plugin adds the
   * canary plugin itself unless the service lists it (osls refuses a plugin loaded twice).
   */
  loadCanaryPlugin() {
    const pluginManager = this.serverless.pluginManager;
    const listed = listedPlugins(this.serverless.service.plugins).some(
      (name) => typeof name === 'string' && name.includes(CANARY_PLUGIN),
    );
    const loaded = pluginManager.plugins.some(
      (plugin) => plugin.constructor.name === 'ServerlessCanaryDeployments',
    );
    if (listed || loaded) return;
    let pluginPath;
    try {
      pluginPath = require.resolve(CANARY_PLUGIN, {
        paths: [this.serverless.serviceDir ?? process.cwd(), __dirname],
      });
    } catch {
      this.fail(
        `ws-channels needs ${CANARY_PLUGIN} (0.8.0) and could not find it: install it in the service (npm install --save-dev ${CANARY_PLUGIN}@0.8.0) or list it in \`plugins\`.`,
      );
    }
    pluginManager.addPlugin(require(pluginPath));
  }

  configure() {
    const { serverless } = this;
    const { service } = serverless;
    const provider = serverless.getProvider('aws');
    const stage = provider.getStage();
    const { settings, problems } = readSettings(service.custom?.wsChannels, {
      name: service.service,
      stage,
      functions: service.functions,
    });
    const taken = Object.values(resources.LOGICAL_IDS).filter(
      (logicalId) => service.resources?.Resources?.[logicalId] !== undefined,
    );
    for (const logicalId of taken) {
      problems.push(
        `resources.Resources.${logicalId} exists; expected that name free for ws-channels`,
      );
    }
    for (const key of Object.values(FUNCTION_KEYS)) {
      if (service.functions[key] !== undefined) {
        problems.push(`functions.${key} exists; expected that name free for ws-channels`);
      }
    }
    if (problems.length > 0) this.fail(describeProblems(problems));

    const base = handlerBase(this.serverless.serviceDir);
    // osls zips only what is inside the service folder: a handler above it would deploy missing.
    if (base.startsWith('../') || path.isAbsolute(base)) {
      this.fail(
        `ws-channels is installed outside the service folder (its handlers would be ${base}); osls packages only the service folder: install ws-channels in the service's own node_modules (in an npm workspace: npm install ws-channels --install-strategy=nested)`,
      );
    }
    const names = this.names(settings, stage, provider);
    this.addFunctions(settings, names, base);
    this.addAppEnvironment(settings, names);
    this.addResources(settings, names);
    this.grantAppFunctions(names);
    this.setDeploymentSettings(settings, names);
    this.log?.verbose?.(
      `ws-channels: ${settings.app} deploys through CodeDeploy (${settings.trafficShifting}); tables ${settings.connectionsTable}, ${settings.runsTable}`,
    );
  }

  /** Every name the plugin derives, in one place. */
  names(settings, stage, provider) {
    const { service } = this.serverless;
    const { naming } = provider;
    const functionName = (key) => `${service.service}-${stage}-${key}`;
    const stackName = naming.getStackName();
    const appLogicalId = naming.getLambdaLogicalId(settings.app);
    // An existing API (provider.apiGateway.websocketApiId) has no WebsocketsApi resource to Ref.
    const apiId = provider.getApiGatewayWebsocketApiId();
    return {
      stage,
      apiId,
      suspend: functionName(FUNCTION_KEYS.suspend),
      resume: functionName(FUNCTION_KEYS.resume),
      ping: functionName(FUNCTION_KEYS.ping),
      // As serverless-plugin-canary-deployments 0.8.0 names them (infra/names.cjs does the same
      // for the reference stack's `default` function).
      deploymentGroup: {
        applicationLogicalId: `${naming.normalizeNameToAlphaNumericOnly(stackName)}DeploymentApplication`,
        name: `${stackName}-${appLogicalId}DeploymentGroup`.slice(0, 100),
      },
      tables: resources.tableArns(settings),
      websocketEndpoint: this.websocketEndpoint(settings, stage, apiId),
      deploysGradually: this.deploysGradually(stage),
    };
  }

  /**
   * Where suspend and resume post: the setting, else serverless-offline's WebSocket server under
   * `osls offline` (no stage path there), else the API's stage URL on AWS.
   */
  websocketEndpoint(settings, stage, apiId) {
    if (settings.websocketEndpoint !== undefined) return settings.websocketEndpoint;
    if (this.serverless.processedInput?.commands?.[0] === 'offline') {
      const port =
        this.options.websocketPort ??
        this.serverless.service.custom?.['serverless-offline']?.websocketPort ??
        DEFAULT_OFFLINE_WEBSOCKET_PORT;
      return `http://localhost:${port}`;
    }
    return {
      'Fn::Sub': [
        `https://\${ApiId}.execute-api.\${AWS::Region}.amazonaws.com/${stage}`,
        { ApiId: apiId },
      ],
    };
  }

  /** The canary plugin deploys on every stage unless custom.deploymentSettings.stages says not. */
  deploysGradually(stage) {
    const stages = this.serverless.service.custom?.deploymentSettings?.stages;
    return !Array.isArray(stages) || stages.length === 0 || stages.includes(stage);
  }

  addFunctions(settings, names, base) {
    const { service } = this.serverless;
    const runEnvironment = {
      CONNECTIONS_TABLE: settings.connectionsTable,
      RUNS_TABLE: settings.runsTable,
      SUSPENDED_INDEX: settings.suspendedIndex,
      WEBSOCKET_ENDPOINT: names.websocketEndpoint,
      POWERTOOLS_SERVICE_NAME: 'ws-channels',
      POWERTOOLS_METRICS_NAMESPACE: 'ws-channels',
      // The working set of a run is bounded; a bounded heap keeps its memory flat.
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=128',
      CONCURRENCY: String(settings.concurrency),
      POST_TIMEOUT_MS: String(settings.postTimeoutMs),
      SUSPEND_SHARDS: String(settings.suspendShards),
      MAX_POSTS_PER_SECOND:
        settings.maxPostsPerSecond === undefined ? '' : String(settings.maxPostsPerSecond),
      FAIL_ON_ERROR_RATIO:
        settings.failOnErrorRatio === undefined ? '' : String(settings.failOnErrorRatio),
      RESUME_EXPECTED_WITHIN_MS: String(settings.resumeExpectedWithinMs),
    };
    const run = (file, name, description) => ({
      name,
      handler: `${base}/${file}.handler`,
      description,
      runtime: 'nodejs22.x',
      role: resources.LOGICAL_IDS.runRole,
      // 1,769 MB is one full vCPU: posting and signing are CPU-bound.
      memorySize: 1769,
      timeout: 900,
      environment: { ...runEnvironment },
      events: [],
    });
    service.functions[FUNCTION_KEYS.suspend] = run(
      'suspend',
      names.suspend,
      'ws-channels: suspends every active connection (CodeDeploy BeforeAllowTraffic, or by hand).',
    );
    service.functions[FUNCTION_KEYS.resume] = run(
      'resume',
      names.resume,
      'ws-channels: resumes every suspended connection (CodeDeploy AfterAllowTraffic, or by hand).',
    );
    // Its own route and function, never the app's alias: the client helper's keep-alive while
    // suspended must not reach the app or wait on a traffic shift.
    service.functions[FUNCTION_KEYS.ping] = {
      name: names.ping,
      handler: `${base}/ping.handler`,
      description: "ws-channels: the client helper's keep-alive while suspended; answers nothing.",
      runtime: 'nodejs22.x',
      role: resources.LOGICAL_IDS.keepaliveRole,
      memorySize: 128,
      timeout: 3,
      environment: { POWERTOOLS_SERVICE_NAME: 'ws-channels' },
      events: [{ websocket: { route: PING_ROUTE } }],
    };
  }

  /** What the registry middleware reads, on every WebSocket function of the app. */
  addAppEnvironment(settings, names) {
    const { service } = this.serverless;
    const ours = new Set(Object.values(FUNCTION_KEYS));
    for (const [key, definition] of Object.entries(service.functions)) {
      if (ours.has(key) || !hasWebsocketEvent(definition)) continue;
      definition.environment = {
        ...(definition.environment ?? {}),
        CONNECTIONS_TABLE: settings.connectionsTable,
        RUNS_TABLE: settings.runsTable,
        NEW_CONNECTIONS_DURING_DEPLOYMENT: settings.newConnectionsDuringDeployment,
        WEBSOCKET_ENDPOINT: names.websocketEndpoint,
      };
    }
  }

  /** Tables and roles, in service.resources so serverless-dynamodb's migrate sees the tables. */
  addResources(settings, names) {
    const { service } = this.serverless;
    if (!isPlainObject(service.resources)) service.resources = {};
    if (!isPlainObject(service.resources.Resources)) service.resources.Resources = {};
    const added = service.resources.Resources;
    const ids = resources.LOGICAL_IDS;
    if (!settings.existingTables) {
      added[ids.connectionsTable] = resources.connectionsTable(
        settings.connectionsTable,
        settings.suspendedIndex,
      );
      added[ids.runsTable] = resources.runsTable(settings.runsTable);
    }
    added[ids.runRole] = resources.runRole({
      tables: names.tables,
      apiId: names.apiId,
      stage: names.stage,
      suspendName: names.suspend,
      resumeName: names.resume,
      deploymentGroup: names.deploysGradually ? names.deploymentGroup : undefined,
    });
    added[ids.keepaliveRole] = resources.keepaliveRole({ pingName: names.ping });
    // The added functions inherit provider.vpc; Lambda refuses a function in a VPC whose role may
    // not manage its network interfaces.
    if (service.provider.vpc !== undefined) {
      for (const id of [ids.runRole, ids.keepaliveRole]) {
        added[id].Properties.ManagedPolicyArns = [resources.VPC_ACCESS_POLICY];
      }
    }

    if (!isPlainObject(service.custom)) service.custom = {};
    if (!isPlainObject(service.custom.deploymentSettings)) service.custom.deploymentSettings = {};
    const deploymentSettings = service.custom.deploymentSettings;
    if (deploymentSettings.codeDeployRole === undefined) {
      added[ids.codeDeployRole] = resources.codeDeployRole({
        suspendName: names.suspend,
        resumeName: names.resume,
      });
      deploymentSettings.codeDeployRole = { 'Fn::GetAtt': [ids.codeDeployRole, 'Arn'] };
    } else {
      this.log?.notice?.(
        `ws-channels: custom.deploymentSettings.codeDeployRole is your own role; it must be allowed lambda:InvokeFunction on ${names.suspend} and ${names.resume}.`,
      );
    }
  }

  /**
   * The app's WebSocket functions run the registry middleware: the framework's role gets its
   * statements; a role of the team's own is left alone, with a notice of what it needs.
   */
  grantAppFunctions(names) {
    const { service } = this.serverless;
    const statements = resources.registryStatements(names);
    const ours = new Set(Object.values(FUNCTION_KEYS));
    const appFunctions = Object.entries(service.functions).filter(
      ([key, definition]) => !ours.has(key) && hasWebsocketEvent(definition),
    );
    const needs = (who) =>
      `ws-channels: ${who} is a role of your own; give it ${JSON.stringify(statements)}`;

    for (const [key, definition] of appFunctions) {
      if (definition.role !== undefined) this.log?.warning?.(needs(`functions.${key}.role`));
    }
    if (!appFunctions.some(([, definition]) => definition.role === undefined)) return;

    if (!isPlainObject(service.provider.iam)) service.provider.iam = {};
    const iam = service.provider.iam;
    if (!isFrameworkRole(iam.role)) {
      this.log?.warning?.(needs('provider.iam.role'));
      return;
    }
    if (!isPlainObject(iam.role)) iam.role = {};
    iam.role.statements = [...(iam.role.statements ?? []), ...statements];
    this.grantedFrameworkRole = true;
  }

  /** CodeDeploy deploys the app's function: suspend before traffic shifts, resume after. */
  setDeploymentSettings(settings) {
    this.serverless.service.functions[settings.app].deploymentSettings = {
      type: settings.trafficShifting,
      alias: settings.alias,
      preTrafficHook: FUNCTION_KEYS.suspend,
      postTrafficHook: FUNCTION_KEYS.resume,
    };
  }

  /**
   * The framework's role, which the app's functions run with, loses two statements:
   * - the canary plugin's codedeploy:PutLifecycleEventHookExecutionStatus: only suspend and
   *   resume report a hook's status (their own role may); an app function that could would be
   *   able to report Succeeded over their verdict;
   * - osls's ManageConnections on every API of every account and region (the
   *   WIDE_MANAGE_CONNECTIONS resource), once the plugin appended one that names this API and
   *   stage.
   */
  narrowFrameworkRole() {
    const provider = this.serverless.getProvider('aws');
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const role = template.Resources?.[provider.naming.getRoleLogicalId()];
    const document = role?.Properties?.Policies?.[0]?.PolicyDocument;
    if (!Array.isArray(document?.Statement)) return;
    const grantsHookStatus = (statement) => asList(statement.Action).includes(HOOK_STATUS_ACTION);
    const isWideManageConnections = (statement) =>
      this.grantedFrameworkRole &&
      JSON.stringify(statement.Resource ?? '').includes(WIDE_MANAGE_CONNECTIONS);
    document.Statement = document.Statement.filter(
      (statement) => !grantsHookStatus(statement) && !isWideManageConnections(statement),
    );
  }

  /** See plugins/stage-redeploy.cjs: the stage must redeploy when the canary plugin rewires it. */
  redeployStage() {
    const renamed = renameWebsocketDeployment(
      this.serverless.service.provider.compiledCloudFormationTemplate,
      (message) => this.fail(message),
    );
    if (renamed) this.log?.verbose?.(`ws-channels: ${renamed.from} is now ${renamed.to}`);
  }
}

module.exports = WsChannelsPlugin;

import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  asyncFunctions,
  defaultAlias,
  type FunctionId,
  type LifecycleEvent,
  lifecycleHooks,
  pingFunction,
  type RoleId,
  type TableId,
  wsChannelsFunctions,
  wsChannelsRoles,
  wsChannelsTables,
} from '../infra/index.js';
import { type EnvironmentContext, renderFunction } from './functions.js';
import { configureStage, renderDeploymentEndedRule, renderFailedEvents } from './invocation.js';
import type { WsChannelsProps, WsChannelsTables } from './props.js';
import { addRegistry } from './registry.js';
import {
  type RenderedRole,
  type ResourceArns,
  renderPolicy,
  renderRole,
  renderTable,
} from './resources.js';
import { integrationsOnBareFunctions } from './routes.js';
import { readTuning, WsChannelsPropsError } from './settings.js';
import { redeployStage } from './stage-redeploy.js';

// The ws-channels CDK construct: one construct adds to a stack with a WebSocket API what infra/
// describes, as the Serverless plugin does for an osls service: the tables, the suspend, resume
// and ping functions, the ping route, an alias and a CodeDeploy deployment group per app function
// with suspend and resume as its hooks, the registry's environment and statements on the app's
// $connect and $disconnect functions, least-privilege roles, the hooks' failed events queue,
// EventBridge's rule for a deployment that ended, and a throttled, logged stage that redeploys.

const capitalized = (word: string) => `${word.charAt(0).toUpperCase()}${word.slice(1)}`;

export class WsChannels extends Construct {
  readonly tables: WsChannelsTables;
  /** suspend, resume (the hooks) and ping (the keep-alive route). */
  readonly functions: Readonly<Record<FunctionId, lambda.Function>>;
  /** The roles of infra/permissions.ts, each with exactly its statements. */
  readonly roles: Readonly<Record<RoleId, iam.Role>>;
  readonly pingRoute: apigwv2.WebSocketRoute;
  readonly application: codedeploy.LambdaApplication;
  /** One per app function, in the order of `appFunctions`. */
  readonly deploymentGroups: readonly codedeploy.LambdaDeploymentGroup[];
  /** The alias CodeDeploy shifts, per app function, in the order of `appFunctions`. */
  readonly aliases: readonly lambda.Alias[];
  /** The stage's deployment; undefined when the stage deploys itself (autoDeploy). */
  readonly stageDeployment: apigwv2.CfnDeployment | undefined;

  constructor(scope: Construct, id: string, props: WsChannelsProps) {
    super(scope, id);
    const { tuning, stack, runtime, problems } = readTuning(props);
    if (props.appFunctions.length === 0) {
      problems.push('appFunctions is empty; expected the functions that CodeDeploy deploys');
    }
    if (problems.length > 0) {
      throw new WsChannelsPropsError(this.node.path, problems);
    }
    const { webSocketApi: api, stage } = props;

    this.tables = props.tables ?? this.renderTables(tuning.suspendedIndex);
    const tables: Record<TableId, dynamodb.ITable> = { ...this.tables };
    const environment: EnvironmentContext = {
      tables,
      websocketEndpoint: props.websocketEndpoint ?? stage.callbackUrl,
      tuning,
    };

    const rendered = Object.fromEntries(
      wsChannelsRoles.map((role) => [
        role.id,
        renderRole(this, `${capitalized(role.id)}Role`, role),
      ]),
    ) as Record<RoleId, RenderedRole>;
    this.roles = {
      run: rendered.run.role,
      keepalive: rendered.keepalive.role,
      codeDeploy: rendered.codeDeploy.role,
    };

    const functions = Object.fromEntries(
      wsChannelsFunctions.map((described) => [
        described.id,
        renderFunction(this, capitalized(described.id), described, {
          runtime,
          role: rendered[described.role].withoutGrants,
          environment,
          logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
          reservedConcurrency: asyncFunctions.includes(described.id)
            ? stack.reservedConcurrency
            : undefined,
        }),
      ]),
    ) as Record<FunctionId, ReturnType<typeof renderFunction>>;
    this.functions = {
      suspend: functions.suspend.function,
      resume: functions.resume.function,
      ping: functions.ping.function,
    };

    // Each on its own function, never an app's alias: the keep-alive must answer while the app
    // is being shifted.
    const routes = wsChannelsFunctions.flatMap(({ id: fn, route }) =>
      route === undefined
        ? []
        : [
            api.addRoute(route, {
              integration: new WebSocketLambdaIntegration(
                `WsChannels${capitalized(fn)}`,
                this.functions[fn],
              ),
            }),
          ],
    );
    const pingRoute = routes.find(({ routeKey }) => routeKey === pingFunction.route);
    if (pingRoute === undefined) {
      throw new Error('ws-channels: infra/ describes no ping route');
    }
    this.pingRoute = pingRoute;

    this.application = new codedeploy.LambdaApplication(this, 'Application');
    this.aliases = props.appFunctions.map((app, index) =>
      app instanceof lambda.Alias
        ? app
        : new lambda.Alias(this, `AppAlias${index}`, {
            aliasName: props.alias ?? defaultAlias,
            version: app.currentVersion,
          }),
    );
    this.deploymentGroups = this.aliases.map((alias, index) =>
      this.deploymentGroup(`AppDeployment${index}`, alias, props, rendered.codeDeploy),
    );

    const queue = renderFailedEvents(this, this.functions);
    renderDeploymentEndedRule(this, this.application, this.functions);
    configureStage(this, stage, stack);
    const arns: ResourceArns = {
      tables,
      functions: {
        suspend: this.functions.suspend.functionArn,
        resume: this.functions.resume.functionArn,
        ping: this.functions.ping.functionArn,
      },
      logGroups: {
        suspend: functions.suspend.logGroup.logGroupArn,
        resume: functions.resume.logGroup.logGroupArn,
        ping: functions.ping.logGroup.logGroupArn,
      },
      connectionCallbacks: Stack.of(stage).formatArn({
        service: 'execute-api',
        resource: api.apiId,
        resourceName: `${stage.stageName}/POST/@connections/*`,
      }),
      appDeploymentGroups: this.deploymentGroups.map((group) => group.deploymentGroupArn),
      applicationDeploymentGroups: [
        Stack.of(this).formatArn({
          service: 'codedeploy',
          resource: 'deploymentgroup',
          resourceName: `${this.application.applicationName}/*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      appFunctions: this.aliases.map((alias) => alias.version.lambda.functionArn),
      failedEventsQueue: queue.queueArn,
    };
    const policies = wsChannelsRoles.map((role) =>
      renderPolicy(this, `${capitalized(role.id)}Policy`, rendered[role.id], role, arns),
    );
    // No deployment may start before its hooks and CodeDeploy hold their permissions.
    for (const alias of this.aliases) alias.node.addDependency(...policies);

    addRegistry(this, { props, aliases: this.aliases, environment, arns });
    const madeAliases = props.appFunctions.filter((app) => app instanceof lambda.Function);
    this.node.addValidation({ validate: () => integrationsOnBareFunctions(api, madeAliases) });
    this.stageDeployment = redeployStage(this, 'StageRedeploy', { api, stage });
  }

  /** The alias made for an app function (or the alias it was given as). */
  aliasOf(app: lambda.IFunction): lambda.Alias {
    const found = this.aliases.find((alias) => alias === app || alias.version.lambda === app);
    if (found === undefined) {
      throw new WsChannelsPropsError(this.node.path, [
        `${app.node.path} is not one of appFunctions`,
      ]);
    }
    return found;
  }

  private renderTables(suspendedIndex: string): WsChannelsTables {
    const rendered = new Map(
      wsChannelsTables(suspendedIndex).map((table) => [
        table.id,
        renderTable(this, `${capitalized(table.id)}Table`, table),
      ]),
    );
    const connections = rendered.get('connections');
    const runs = rendered.get('runs');
    if (connections === undefined || runs === undefined) {
      throw new Error('ws-channels: infra/ describes no Connections or Runs table');
    }
    return { connections, runs };
  }

  private deploymentGroup(
    id: string,
    alias: lambda.Alias,
    props: WsChannelsProps,
    role: RenderedRole,
  ): codedeploy.LambdaDeploymentGroup {
    const group = new codedeploy.LambdaDeploymentGroup(this, id, {
      application: this.application,
      alias,
      deploymentConfig: props.deploymentConfig ?? codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
      role: role.withoutGrants,
    });
    const addHook: Record<LifecycleEvent, (hook: lambda.IFunction) => void> = {
      BeforeAllowTraffic: (hook) => group.addPreHook(hook),
      AfterAllowTraffic: (hook) => group.addPostHook(hook),
    };
    for (const hook of lifecycleHooks) addHook[hook.event](this.functions[hook.function]);
    return group;
  }
}

import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatStack } from '../../examples/cdk/chat-stack.js';
import {
  appEnvironment,
  lifecycleHooks,
  pingFunction,
  pingRoute,
  registryStatements,
  wsChannelsFunctions,
  wsChannelsRoles,
  wsChannelsTables,
} from '../../infra/index.js';
import { type Acknowledgement, synthesizeWithNag } from '../support/cdk-nag.js';

// examples/cdk: the chat's handlers in a CDK app, ws-channels added by its construct, synthesized
// in-process (no cdk CLI, no Docker, no bundler: the functions' code is the build's bundles) and
// run through cdk-nag's AwsSolutions and Serverless packs. Every finding is in the reviewed list
// below with its reason, and every entry of the list is still a finding.

const stackName = 'WsChannelsChat';
const at = (path: string) => `${stackName}/${path}/Resource`;
const each = (id: string, paths: readonly string[], reason: string): Acknowledgement[] =>
  paths.map((path) => ({ id, path: at(path), reason }));

const wsChannels = ['WsChannels/Suspend', 'WsChannels/Resume', 'WsChannels/Ping'];
const callbacks = `Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<ApiF70053CD>/prod/POST/@connections/*`;
const reviewed: Acknowledgement[] = [
  // ws-channels' own, from infra/.
  ...each(
    'AwsSolutions::AwsSolutions-L1',
    wsChannels,
    'nodejs24.x (infra/settings.ts), the Node the suite runs on (.ci/run); aws-cdk-lib knows nodejs26.x, which nothing here tests',
  ),
  ...each(
    'Serverless::Serverless-LambdaLatestVersion',
    wsChannels,
    'the same runtime pin as AwsSolutions-L1',
  ),
  ...each(
    'Serverless::Serverless-LambdaTracing',
    wsChannels,
    'no X-Ray: a run logs JSON lines and metrics, and keeps its record in the Runs table',
  ),
  ...each(
    'Serverless::Serverless-LambdaDLQ',
    ['WsChannels/Suspend', 'WsChannels/Resume'],
    "an event Lambda gives up on goes to the failed events queue through the functions' on-failure destination (EventInvokeConfig), with an alarm; this rule reads DeadLetterConfig only",
  ),
  ...each(
    'Serverless::Serverless-LambdaDLQ',
    ['WsChannels/Ping'],
    'API Gateway invokes the keep-alive synchronously: nothing to queue',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<Chat26DEB33F.Arn>:*]',
    ['WsChannels/CodeDeployPolicy'],
    "CodeDeploy reads and shifts the alias of the app's function between versions published at deploy time: this function's aliases and versions only",
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codedeploy:<AWS::Region>:<AWS::AccountId>:deploymentgroup:<WsChannelsApplication5B20EB47>/*]',
    ['WsChannels/RunPolicy'],
    'GetDeployment is authorized on the deployment group: resume asks about the deployments in its window, in any group of this application',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-SQS3',
    ['WsChannels/FailedEventsQueue'],
    'it is itself the dead-letter destination of the hooks, watched by an alarm',
  ),
  ...each(
    'Serverless::Serverless-SQSRedrivePolicy',
    ['WsChannels/FailedEventsQueue'],
    'the same as AwsSolutions-SQS3',
  ),
  ...each(
    'Serverless::Serverless-EventBusDLQ',
    ['WsChannels/DeploymentEndedRule'],
    "EventBridge retries for 24 hours; a lost event leaves the stopped deployment's clients to their resumeBy and the next resume",
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<WsChannelsConnectionsTable6127B6C7.Arn>/index/*]',
    ['WsChannels/RunPolicy'],
    'the suspended index, whose name the stack chooses (SUSPENDED_INDEX)',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<WsChannelsSuspendF8D16D73.Arn>:*]',
    ['WsChannels/RunPolicy'],
    'a run near its deadline hands over to a new invocation of its own function, whatever its version',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<WsChannelsResume500A64D5.Arn>:*]',
    ['WsChannels/RunPolicy'],
    'a run near its deadline hands over to a new invocation of its own function, whatever its version',
  ),
  ...each(
    `AwsSolutions::AwsSolutions-IAM5[${callbacks}]`,
    ['WsChannels/RunPolicy', 'ChatRole/DefaultPolicy'],
    "POST to any connection of this API and stage, and no other's: connection ids are not known in advance",
  ),
  ...each(
    'AwsSolutions::AwsSolutions-APIG4',
    ['Api/ws-channels.ping-Route', 'Api/$connect-Route', 'Api/$disconnect-Route'],
    'a WebSocket API authorizes at $connect only; the example chat lets anyone in',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-APIG4',
    ['Api/join-Route', 'Api/send-Route'],
    'a WebSocket API authorizes at $connect only; the example chat lets anyone in',
  ),
  // The example app's own choices.
  ...each(
    'AwsSolutions::AwsSolutions-L1',
    ['Chat'],
    "the chat's runtime in examples/chat/serverless.yml, nodejs24.x",
  ),
  ...each('Serverless::Serverless-LambdaLatestVersion', ['Chat'], 'the same as AwsSolutions-L1'),
  ...each('Serverless::Serverless-LambdaTracing', ['Chat'], 'the example traces nothing'),
  ...each(
    'Serverless::Serverless-LambdaDLQ',
    ['Chat'],
    'API Gateway invokes the chat synchronously: nothing to queue',
  ),
  ...each(
    'AwsSolutions::AwsSolutions-IAM5[Resource::<MembersFEE56442.Arn>/index/*]',
    ['ChatRole/DefaultPolicy'],
    "the members table's byConnection index (Table.grant names every index)",
  ),
];

type Resource = { Type: string; Properties?: Record<string, unknown> } & Record<string, unknown>;
type Resources = Record<string, Resource>;
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const ref = (logicalId: string) => ({ Ref: logicalId });
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
/** The environment variables of a function resource. */
const variablesOf = (resource: Resource | undefined): Record<string, unknown> =>
  (resource?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
    ?.Variables ?? {};

describe('the CDK example (examples/cdk): the chat with ws-channels added by one construct', () => {
  let template: Template;
  let resources: Resources;
  let unreviewed: ReturnType<typeof synthesizeWithNag>['findings'];

  beforeAll(() => {
    const bare = synthesizeWithNag((app) => new ChatStack(app, stackName));
    unreviewed = bare.findings;
    template = Template.fromJSON(bare.template);
    resources = (bare.template.Resources ?? {}) as Resources;
  }, 120_000);

  const ofType = (type: string) =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type);
  /** The logical id of the one resource of `type` whose properties include `properties`. */
  const logicalIdOf = (type: string, properties: Record<string, unknown>) => {
    const found = Object.keys(template.findResources(type, { Properties: properties }));
    expect(found).toHaveLength(1);
    return found[0] ?? '';
  };
  const functionId = (description: string) =>
    logicalIdOf('AWS::Lambda::Function', { Description: description });

  it("finds in cdk-nag's AwsSolutions and Serverless packs exactly the reviewed findings, and synthesizes once they are acknowledged", () => {
    const key = ({ id, path }: { id: string; path: string }) => `${path} ${id}`;
    expect(unreviewed.map(key).sort()).toEqual(reviewed.map(key).sort());
    // Act
    const acknowledged = synthesizeWithNag((app) => new ChatStack(app, stackName), reviewed);
    // Assess
    expect(acknowledged.findings).toEqual([]);
  }, 120_000);

  it("has infra/'s two tables: keys, the suspended index, expiry, on-demand, encrypted with DynamoDB's AWS managed key", () => {
    for (const table of wsChannelsTables()) {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [{ AttributeName: table.partitionKey.name, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        ...(table.globalIndexes.length === 0
          ? {}
          : {
              GlobalSecondaryIndexes: table.globalIndexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                  ...(index.sortKey
                    ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }]
                    : []),
                ],
                Projection:
                  index.projection.type === 'INCLUDE'
                    ? {
                        ProjectionType: 'INCLUDE',
                        NonKeyAttributes: [...index.projection.nonKeyAttributes],
                      }
                    : { ProjectionType: index.projection.type },
              })),
            }),
      });
    }
    // The chat's members table beside them.
    expect(ofType('AWS::DynamoDB::GlobalTable')).toHaveLength(3);
  });

  it("has infra/'s three functions: the package's bundles, their size, runtime, role and environment", () => {
    for (const described of wsChannelsFunctions) {
      const properties = resources[functionId(described.description)]?.Properties ?? {};
      expect(properties).toMatchObject({
        Handler: 'index.handler',
        Runtime: described.runtime,
        MemorySize: described.memorySizeMb,
        Timeout: described.timeoutSeconds,
      });
      const role = (properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] ?? '';
      expect(role).toMatch(new RegExp(`^WsChannels${described.role}Role`, 'i'));
      expect(Object.keys(variablesOf({ Type: '', Properties: properties }))).toEqual(
        described.environment.map(({ name }) => name),
      );
    }
    const suspend = resources[functionId(wsChannelsFunctions[0]?.description ?? '')];
    const variables = variablesOf(suspend);
    expect(variables.CONNECTIONS_TABLE).toEqual(
      ref(
        logicalIdOf('AWS::DynamoDB::GlobalTable', {
          KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
        }),
      ),
    );
    expect(variables.CONCURRENCY).toBe('100');
    expect(variables.MAX_POSTS_PER_SECOND).toBe('');
    expect(JSON.stringify(variables.WEBSOCKET_ENDPOINT)).toContain('/prod');
  });

  it("gives each of infra/'s roles exactly its statements' actions, its managed policies, and nothing CDK's grants would add", () => {
    for (const role of wsChannelsRoles) {
      const roleId = logicalIdOf('AWS::IAM::Role', {
        Description: `ws-channels: ${role.policyName}`,
      });
      const attached = ofType('AWS::IAM::Policy').filter(([, policy]) =>
        JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`),
      );
      expect(attached.map(([, policy]) => policy.Properties?.PolicyName)).toEqual([
        role.policyName,
      ]);
      const document = attached[0]?.[1].Properties?.PolicyDocument as {
        Statement: Array<{ Action: unknown }>;
      };
      // A statement on the alarms to roll back on is left out: the construct configures none.
      const rendered = role.statements.filter(
        ({ resources }) => !resources.some(({ kind }) => kind === 'deploymentAlarms'),
      );
      expect(document.Statement.map(({ Action }) => asList(Action))).toEqual(
        rendered.map(({ actions }) => actions),
      );
      const managed = JSON.stringify(resources[roleId]?.Properties?.ManagedPolicyArns ?? []);
      for (const name of role.managedPolicies) expect(managed).toContain(name);
      expect(managed.match(/policy\//g)?.length ?? 0).toBe(role.managedPolicies.length);
    }
    // CodeDeploy invokes the hooks through its role, not through a resource policy on them; only
    // API Gateway (the routes) and EventBridge's rule, on resume and for that rule only, may.
    const permissions = ofType('AWS::Lambda::Permission').map(([, p]) => p.Properties?.Principal);
    expect(new Set(permissions)).toEqual(
      new Set(['apigateway.amazonaws.com', 'events.amazonaws.com']),
    );
    const fromEvents = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'events.amazonaws.com',
    );
    expect(fromEvents).toHaveLength(1);
    expect(JSON.stringify(fromEvents[0]?.[1].Properties?.SourceArn)).toContain(
      'DeploymentEndedRule',
    );
  });

  it("gives every app function's deployment group the hooks, all at once, run by CodeDeploy's role", () => {
    const groups = ofType('AWS::CodeDeploy::DeploymentGroup');
    expect(groups).toHaveLength(1);
    const hooks = Object.fromEntries(
      lifecycleHooks.map(({ event, function: id }) => {
        const described = wsChannelsFunctions.find((fn) => fn.id === id);
        return [`${event}Hook`, ref(functionId(described?.description ?? ''))];
      }),
    );
    for (const [groupId, group] of groups) {
      expect(group.Properties?.DeploymentConfigName).toBe('CodeDeployDefault.LambdaAllAtOnce');
      expect(group.Properties?.ServiceRoleArn).toEqual(
        getAtt(
          logicalIdOf('AWS::IAM::Role', { Description: 'ws-channels: ws-channels-deploy-app' }),
        ),
      );
      const aliases = ofType('AWS::Lambda::Alias').filter(([, alias]) =>
        JSON.stringify(alias.UpdatePolicy).includes(`"DeploymentGroupName":{"Ref":"${groupId}"}`),
      );
      expect(aliases).toHaveLength(1);
      expect(aliases[0]?.[1].UpdatePolicy).toEqual({
        CodeDeployLambdaAliasUpdate: expect.objectContaining(hooks),
      });
      expect(aliases[0]?.[1].Properties?.Name).toBe('Live');
    }
  });

  it("puts the registry's environment and statements on the chat, whose every route calls its alias; the ping route calls ping", () => {
    const chat = logicalIdOf('AWS::Lambda::Function', { Handler: 'chat.handler' });
    expect(Object.keys(variablesOf(resources[chat])).sort()).toEqual(
      ['MEMBERS_TABLE', 'APP_VERSION', ...appEnvironment.map(({ name }) => name)].sort(),
    );
    const chatPolicy = ofType('AWS::IAM::Policy').find(([id]) =>
      id.startsWith('ChatRoleDefaultPolicy'),
    );
    const { Statement: statements = [] } = (chatPolicy?.[1].Properties?.PolicyDocument ?? {}) as {
      Statement?: Array<{ Action: unknown }>;
    };
    const actions = statements.map(({ Action }) => asList(Action));
    expect(actions).toEqual(
      expect.arrayContaining(registryStatements.map(({ actions: listed }) => listed)),
    );

    const alias = ofType('AWS::Lambda::Alias')[0]?.[0] ?? '';
    const ping = functionId(pingFunction.description);
    const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration'));
    for (const [, route] of ofType('AWS::ApiGatewayV2::Route')) {
      const target = JSON.stringify(route.Properties?.Target);
      const integration = Object.keys(integrations).find((id) => target.includes(`"${id}"`)) ?? '';
      const uri = JSON.stringify(integrations[integration]?.Properties?.IntegrationUri);
      if (route.Properties?.RouteKey === pingRoute) expect(uri).toContain(`"${ping}"`);
      else expect(uri).toContain(`{"Ref":"${alias}"}`);
    }
    expect(
      ofType('AWS::ApiGatewayV2::Route')
        .map(([, r]) => r.Properties?.RouteKey)
        .sort(),
    ).toEqual(['$connect', '$disconnect', 'join', 'send', pingRoute].sort());
  });

  it('points the stage at a deployment made after every route', () => {
    const [[deploymentId, deployment] = ['', {} as Resource]] = ofType(
      'AWS::ApiGatewayV2::Deployment',
    );
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DeploymentId: ref(deploymentId) });
    expect(asList(deployment.DependsOn).sort()).toEqual(
      ofType('AWS::ApiGatewayV2::Route')
        .map(([id]) => id)
        .sort(),
    );
  });

  it("keeps the hooks' events as infra/invocation.ts says, resumes a deployment that ended, and throttles and logs the stage", () => {
    // The hooks: reserved concurrency, an hour's event age, two retries, the failed events queue.
    for (const id of ['suspend', 'resume'] as const) {
      const described = wsChannelsFunctions.find((fn) => fn.id === id);
      const fn = functionId(described?.description ?? '');
      expect(resources[fn]?.Properties?.ReservedConcurrentExecutions).toBe(5);
      const configs = ofType('AWS::Lambda::EventInvokeConfig').filter(
        ([, config]) => JSON.stringify(config.Properties?.FunctionName) === JSON.stringify(ref(fn)),
      );
      expect(configs).toHaveLength(1);
      expect(configs[0]?.[1].Properties).toMatchObject({
        MaximumEventAgeInSeconds: 3600,
        MaximumRetryAttempts: 2,
      });
      expect(JSON.stringify(configs[0]?.[1].Properties?.DestinationConfig)).toContain(
        'FailedEventsQueue',
      );
    }
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
    // EventBridge's rule: this application's deployments that stopped or failed, to resume.
    const [rule] = ofType('AWS::Events::Rule');
    expect(rule?.[1].Properties?.EventPattern).toMatchObject({
      source: ['aws.codedeploy'],
      'detail-type': ['CodeDeploy Deployment State-change Notification'],
      detail: { state: ['STOP', 'FAILURE'] },
    });
    // The stage: default route throttling and an access log of its own.
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 500 },
    });
    const [stage] = ofType('AWS::ApiGatewayV2::Stage');
    expect(stage?.[1].Properties?.AccessLogSettings).toBeDefined();
  });
});

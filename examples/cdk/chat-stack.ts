import path from 'node:path';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { WsChannels } from '../../cdk/index.js';

// The chat of examples/chat as a CDK app: its one function behind every route (src/chat.js, the
// registry middleware first), its members table, a WebSocket API and stage, and ws-channels added
// with one construct. An app of yours imports the construct from 'ws-channels/cdk'.

/** The chat's source, unbundled so that the test synthesizes without a bundler; to deploy, bundle
 * it with its dependencies (NodejsFunction, docs/cdk.md). */
const chatCode = path.resolve(import.meta.dirname, '../chat/src');

export class ChatStack extends Stack {
  readonly channels: WsChannels;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // Who is in which room: one item per room and connection; byConnection finds the rooms of a
    // connection that left.
    const members = new dynamodb.TableV2(this, 'Members', {
      partitionKey: { name: 'room', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'connectionId', type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: 'byConnection',
          partitionKey: { name: 'connectionId', type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
      timeToLiveAttribute: 'expiresAt',
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });

    // The chat's own role: its logs, its table, and what ws-channels' registry adds to it.
    const chatRole = new iam.Role(this, 'ChatRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const chatLogs = new logs.LogGroup(this, 'ChatLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    chatLogs.grantWrite(chatRole);
    const chat = new lambda.Function(this, 'Chat', {
      code: lambda.Code.fromAsset(chatCode),
      handler: 'chat.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      description: 'The chat, every route behind one router.',
      memorySize: 512,
      timeout: Duration.seconds(10),
      role: chatRole,
      logGroup: chatLogs,
      environment: { MEMBERS_TABLE: members.tableName, APP_VERSION: '1' },
    });
    members.grant(chat, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query');

    const api = new WebSocketApi(this, 'Api', {
      routeSelectionExpression: '$request.body.action',
    });
    const stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: api,
      stageName: 'prod',
      throttle: { rateLimit: 500, burstLimit: 1000 },
    });

    // ws-channels: its tables, functions, ping route, roles; the chat's alias deployed by CodeDeploy
    // with suspend and resume as hooks; the registry's environment and statements on the chat.
    this.channels = new WsChannels(this, 'WsChannels', {
      webSocketApi: api,
      stage,
      appFunctions: [chat],
    });

    // Every route calls the alias that CodeDeploy shifts, never the bare function.
    const integration = new WebSocketLambdaIntegration('Chat', this.channels.aliasOf(chat));
    for (const route of ['$connect', '$disconnect', 'join', 'send']) {
      api.addRoute(route, { integration });
    }
  }
}

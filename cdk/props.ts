import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { WsChannelsTuningProps } from './settings.js';

// The construct's props: the app's API, stage and functions, and the settings of the README's
// Configuration table (docs/cdk.md lists them with the plugin's names).

/** Tables of your own, both with the shape infra/tables.ts describes (and its suspended index). */
export interface WsChannelsTables {
  readonly connections: dynamodb.ITable;
  readonly runs: dynamodb.ITable;
}

export interface WsChannelsProps extends WsChannelsTuningProps {
  /** The WebSocket API whose clients are suspended and resumed; it gets the ping route. */
  readonly webSocketApi: apigwv2.WebSocketApi;
  /** Its stage: the runs post to its @connections; it gets a deployment that follows the routes. */
  readonly stage: apigwv2.WebSocketStage;
  /**
   * The app's functions that CodeDeploy deploys, each in a deployment group of its own with
   * suspend before the traffic shift and resume after it. A function gets an alias (`alias`):
   * point its routes at `aliasOf(fn)`; an alias is deployed as it is.
   */
  readonly appFunctions: ReadonlyArray<lambda.Function | lambda.Alias>;
  /**
   * The functions that run the registry middleware: your $connect and $disconnect handlers (and
   * any that posts with WEBSOCKET_ENDPOINT). They get the tables and endpoint in their
   * environment and the registry's statements on their role.
   * @default the functions of `appFunctions`
   */
  readonly registryFunctions?: readonly lambda.Function[];
  /** Existing tables. @default two new tables */
  readonly tables?: WsChannelsTables;
  /** How CodeDeploy shifts each app function's traffic. @default LambdaDeploymentConfig.ALL_AT_ONCE */
  readonly deploymentConfig?: codedeploy.ILambdaDeploymentConfig;
  /** The name of the alias made for each app function given as a function. @default 'Live' */
  readonly alias?: string;
  /** Where the runs post. @default the stage's callback URL */
  readonly websocketEndpoint?: string;
  /** How long the three functions' logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

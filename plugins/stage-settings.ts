import { stageAccessLog } from '../infra/index.js';
import { accountArn, type CfnTemplate, isPlainObject, sub } from './cloudformation.js';

// Renders infra/stage.ts on the stage osls compiled: default route throttling, and access logging
// to a log group of ws-channels' own unless the service logs the stage itself
// (provider.logs.websocket). Runs once every plugin has written the template.

export const accessLogGroupLogicalId = 'WsChannelsAccessLogGroup';

export interface StageSettings {
  readonly throttlingRateLimit: number;
  readonly throttlingBurstLimit: number;
  readonly accessLogging: boolean;
  /** The access log group's name, e.g. `/aws/websocket/{service}-{stage}-ws-channels-access`. */
  readonly accessLogGroupName: string;
}

/**
 * @returns whether the template had the stage (an existing API, provider.apiGateway.websocketApiId,
 *   has none: its stage is the team's)
 */
export function configureStage(
  template: CfnTemplate,
  stageLogicalId: string,
  settings: StageSettings,
): boolean {
  const resources = template.Resources ?? {};
  const stage = resources[stageLogicalId];
  if (stage === undefined) return false;
  const properties = stage.Properties ?? {};
  stage.Properties = properties;
  const routeDefaults = isPlainObject(properties.DefaultRouteSettings)
    ? properties.DefaultRouteSettings
    : {};
  properties.DefaultRouteSettings = {
    ...routeDefaults,
    ThrottlingRateLimit: settings.throttlingRateLimit,
    ThrottlingBurstLimit: settings.throttlingBurstLimit,
  };
  if (settings.accessLogging && properties.AccessLogSettings === undefined) {
    resources[accessLogGroupLogicalId] = {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: settings.accessLogGroupName,
        RetentionInDays: stageAccessLog.retentionDays,
      },
    };
    properties.AccessLogSettings = {
      // The log group's ARN without the `:*` that its Arn attribute ends with.
      DestinationArn: sub(accountArn('logs', `log-group:\${${accessLogGroupLogicalId}}`)),
      Format: JSON.stringify(stageAccessLog.format),
    };
  }
  template.Resources = resources;
  return true;
}

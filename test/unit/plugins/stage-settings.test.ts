import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../../plugins/cloudformation.js';
import { configureStage, type StageSettings } from '../../../plugins/stage-settings.js';

// The stage osls compiled gets default route throttling and an access log of its own, and keeps
// what the service set itself (provider.logs.websocket).

const settings: StageSettings = {
  throttlingRateLimit: 1000,
  throttlingBurstLimit: 500,
  accessLogging: true,
  accessLogGroupName: '/aws/websocket/chat-dev-ws-channels-access',
};
const stage = (properties: Record<string, unknown> = {}): CfnTemplate => ({
  Resources: {
    WebsocketsDeploymentStage: {
      Type: 'AWS::ApiGatewayV2::Stage',
      Properties: { ApiId: { Ref: 'WebsocketsApi' }, StageName: 'dev', ...properties },
    },
  },
});

describe('the WebSocket stage', () => {
  it('throttles every route by default and logs each request to a log group of its own', () => {
    // Prepare
    const template = stage();
    // Act
    const configured = configureStage(template, 'WebsocketsDeploymentStage', settings);
    // Assess
    expect(configured).toBe(true);
    const properties = template.Resources?.WebsocketsDeploymentStage?.Properties;
    expect(properties?.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 1000,
      ThrottlingBurstLimit: 500,
    });
    expect(properties?.AccessLogSettings).toEqual({
      DestinationArn: {
        'Fn::Sub':
          'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WsChannelsAccessLogGroup}',
      },
      Format: expect.stringContaining('"connectionId":"$context.connectionId"'),
    });
    expect(
      JSON.parse(
        String((properties?.AccessLogSettings as { Format?: string } | undefined)?.Format),
      ),
    ).toEqual(
      expect.objectContaining({ routeKey: '$context.routeKey', status: '$context.status' }),
    );
    expect(template.Resources?.WsChannelsAccessLogGroup).toEqual({
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: '/aws/websocket/chat-dev-ws-channels-access',
        RetentionInDays: 30,
      },
    });
  });

  it("keeps the service's own logging and adds throttling to its route settings", () => {
    // Prepare: what osls writes for provider.logs.websocket.
    const own = { DestinationArn: 'arn:aws:logs:us-east-1:1:log-group:/aws/websocket/chat-dev' };
    const template = stage({
      DefaultRouteSettings: { DataTraceEnabled: true, LoggingLevel: 'INFO' },
      AccessLogSettings: own,
    });
    // Act
    configureStage(template, 'WebsocketsDeploymentStage', settings);
    // Assess
    const properties = template.Resources?.WebsocketsDeploymentStage?.Properties;
    expect(properties?.DefaultRouteSettings).toEqual({
      DataTraceEnabled: true,
      LoggingLevel: 'INFO',
      ThrottlingRateLimit: 1000,
      ThrottlingBurstLimit: 500,
    });
    expect(properties?.AccessLogSettings).toBe(own);
    expect(template.Resources).not.toHaveProperty('WsChannelsAccessLogGroup');
  });

  it('adds no access log when accessLogging is false, and reports an existing API, which has no stage here', () => {
    // Prepare
    const template = stage();
    // Act
    configureStage(template, 'WebsocketsDeploymentStage', { ...settings, accessLogging: false });
    const existing = configureStage({ Resources: {} }, 'WebsocketsDeploymentStage', settings);
    // Assess
    expect(template.Resources?.WebsocketsDeploymentStage?.Properties).not.toHaveProperty(
      'AccessLogSettings',
    );
    expect(template.Resources).not.toHaveProperty('WsChannelsAccessLogGroup');
    expect(existing).toBe(false);
  });
});

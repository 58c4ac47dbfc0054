// What ws-channels sets on the WebSocket API's stage: default route throttling (so that no client
// may call a route, the keep-alive's included, at any rate; the values are settings, see
// infra/settings.ts stackSettings) and access logging to a log group of its own.

export interface AccessLogDescription {
  /** Days CloudWatch keeps the access log. */
  readonly retentionDays: number;
  /** API Gateway's $context variables, one JSON object per request. */
  readonly format: Readonly<Record<string, string>>;
}

export const stageAccessLog: AccessLogDescription = {
  retentionDays: 30,
  format: {
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    connectionId: '$context.connectionId',
    status: '$context.status',
    sourceIp: '$context.identity.sourceIp',
    error: '$context.error.message',
    integrationError: '$context.integrationErrorMessage',
  },
};

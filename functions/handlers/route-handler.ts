import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { RouteResponse, WebSocketRouteEvent } from '../core/protocol/routes.js';

/**
 * Turns any error into a 500 whose body reveals nothing internal, after logging the cause.
 * API Gateway shows the body to the client; the log line is for the operator.
 */
export function internalErrorResponse(options: {
  logger: Logger;
}): MiddlewareObj<WebSocketRouteEvent, RouteResponse> {
  return {
    onError: async (request) => {
      options.logger.error('WebSocket route failed', {
        error: request.error,
        connectionId: request.event?.requestContext?.connectionId,
        routeKey: request.event?.requestContext?.routeKey,
      });
      request.response = { statusCode: 500, body: 'Internal server error' };
    },
  };
}

/** Wraps a route core with the middlewares every WebSocket route gets. */
export function websocketRoute(
  core: (event: WebSocketRouteEvent) => Promise<RouteResponse>,
  logger: Logger,
) {
  return middy<WebSocketRouteEvent, RouteResponse, Error, Context>(core)
    .use(injectLambdaContext(logger))
    .use(internalErrorResponse({ logger }));
}

import { InvalidEventError } from '../errors.js';

// What clients see of the WebSocket routes: the event shape the route handlers read, their
// answers (the 429 that holds a connection during a deployment window), and the keep-alive route.

export interface WebSocketRouteEvent {
  requestContext?: { connectionId?: unknown; routeKey?: unknown } | null;
  /** On $connect only: the query string the client opened the socket with. */
  queryStringParameters?: Record<string, unknown> | null;
  multiValueQueryStringParameters?: Record<string, unknown> | null;
  body?: unknown;
  isBase64Encoded?: unknown;
}

export interface RouteResponse {
  statusCode: number;
  body?: string;
}

export const ok: RouteResponse = { statusCode: 200 };

export function connectionIdOf(event: WebSocketRouteEvent | null | undefined): string {
  const connectionId = event?.requestContext?.connectionId;
  if (typeof connectionId !== 'string' || connectionId.length === 0) {
    throw new InvalidEventError(
      'The event has no requestContext.connectionId (a non-empty string); expected an API Gateway WebSocket event.',
    );
  }
  return connectionId;
}

/**
 * The answer to a connection held during a deployment window. Any status outside 2xx makes API
 * Gateway refuse the WebSocket handshake with it; 429 is the 4xx clients already read as "try
 * again later, with backoff". Browsers see only a socket that closes (1006) before it opens,
 * which the client helper, given a socket factory, takes the same way (docs/client.md).
 */
export const heldDuringDeployment: RouteResponse = {
  statusCode: 429,
  body: 'A deployment is under way: connect again in a few seconds.',
};

/**
 * The route key of the client helper's keep-alive (`{"action":"ws-channels.ping"}`): its own route
 * and function, never the app's alias, so a ping is answered while the app is being deployed.
 */
export const pingRouteKey = 'ws-channels.ping';

/**
 * Answers a keep-alive ping with nothing: the message itself is the traffic that keeps API Gateway
 * from closing the connection as idle (10 minutes with no message either way; docs/client.md, "Long traffic
 * shifts"). No route response, so the client gets nothing back and nothing is posted.
 */
export function answerPing() {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    connectionIdOf(event);
    return ok;
  };
}

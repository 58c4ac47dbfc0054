import { Logger } from '@aws-lambda-powertools/logger';
import { readRouteConfig } from './lib/config.js';
import type { RouteResponse } from './lib/core/websocket-routes.js';
import { wsChannelsRegistry } from './lib/registry-middleware.js';
import { websocketRoute } from './lib/route-handler.js';

// $disconnect: the app's own handler (here one that does nothing) with the registry middleware,
// which removes the connection from the registry.
const logger = new Logger();
const config = readRouteConfig();

const forgetConnection = async (): Promise<RouteResponse> => ({ statusCode: 200 });

export const handler = websocketRoute(forgetConnection, logger).use(
  wsChannelsRegistry({ connectionsTable: config.connectionsTable }),
);

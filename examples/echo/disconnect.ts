import { Logger } from '@aws-lambda-powertools/logger';
import { readRouteConfig } from '../../functions/config/read-config.js';
import type { RouteResponse } from '../../functions/core/protocol/routes.js';
import { websocketRoute } from '../../functions/handlers/route-handler.js';
import { wsChannelsRegistry } from '../../functions/middleware/registry.js';

// $disconnect: the app's own handler (here one that does nothing) with the registry middleware,
// which removes the connection from the registry.
const logger = new Logger();
const config = readRouteConfig();

const forgetConnection = async (): Promise<RouteResponse> => ({ statusCode: 200 });

export const handler = websocketRoute(forgetConnection, logger).use(
  wsChannelsRegistry({ connectionsTable: config.connectionsTable }),
);

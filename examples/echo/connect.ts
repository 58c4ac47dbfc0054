import { Logger } from '@aws-lambda-powertools/logger';
import { readConnectConfig } from '../../functions/config/read-config.js';
import type { RouteResponse } from '../../functions/core/protocol/routes.js';
import { websocketRoute } from '../../functions/handlers/route-handler.js';
import { wsChannelsRegistry } from '../../functions/middleware/registry.js';

// $connect: the app's own handler (here one that lets every connection in) with the registry
// middleware a team adds to its own: while a deployment window is open and
// NEW_CONNECTIONS_DURING_DEPLOYMENT is hold (the default) it refuses the connection before the
// handler runs; otherwise it registers the connection as active once the handler let it in.
const logger = new Logger();
const config = readConnectConfig();

const acceptConnection = async (): Promise<RouteResponse> => ({ statusCode: 200 });

export const handler = websocketRoute(acceptConnection, logger).use(
  wsChannelsRegistry({
    connectionsTable: config.connectionsTable,
    runsTable: config.runsTable,
    newConnectionsDuringDeployment: config.newConnectionsDuringDeployment,
  }),
);

import { Logger } from '@aws-lambda-powertools/logger';
import { ManagementApiPoster, managementApiClient } from '../../functions/aws/management-api.js';
import { readRouteConfig } from '../../functions/config/read-config.js';
import { websocketRoute } from '../../functions/handlers/route-handler.js';
import { echoMessage } from './echo.js';

// $default: the application's message handler. ws-channels ships an echo as a stand-in;
// replace `echoMessage` with your app's handler (see README, "Plugging in your app").
const logger = new Logger();
const config = readRouteConfig();
const poster = new ManagementApiPoster(managementApiClient({ endpoint: config.websocketEndpoint }));

export const handler = websocketRoute(echoMessage({ poster }), logger);

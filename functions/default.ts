import { Logger } from '@aws-lambda-powertools/logger';
import { ManagementApiPoster, managementApiClient } from './lib/aws/management-api.js';
import { readRegistryConfig } from './lib/config.js';
import { echoMessage } from './lib/core/registry.js';
import { websocketRoute } from './lib/websocket-route.js';

// $default: the application's message handler. ws-channels ships an echo as a stand-in;
// replace `echoMessage` with your app's handler (see README, "Plugging in your app").
const logger = new Logger();
const config = readRegistryConfig(process.env);
const poster = new ManagementApiPoster(managementApiClient({ endpoint: config.websocketEndpoint }));

export const handler = websocketRoute(echoMessage({ poster }), logger);

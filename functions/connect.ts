import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBConnectionRegistry } from './lib/aws/connection-registry.js';
import { readRouteConfig } from './lib/config.js';
import { systemClock } from './lib/core/ports.js';
import { registerConnection } from './lib/core/websocket-routes.js';
import { websocketRoute } from './lib/route-handler.js';

// $connect: registers the connection as active.
const logger = new Logger();
const config = readRouteConfig();
const registry = new DynamoDBConnectionRegistry({ tableName: config.connectionsTable });

export const handler = websocketRoute(registerConnection({ registry, clock: systemClock }), logger);

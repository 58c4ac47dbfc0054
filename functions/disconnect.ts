import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBConnectionRegistry } from './lib/aws/connection-registry.js';
import { readRouteConfig } from './lib/config.js';
import { unregisterConnection } from './lib/core/websocket-routes.js';
import { websocketRoute } from './lib/route-handler.js';

// $disconnect: removes the connection from the registry.
const logger = new Logger();
const config = readRouteConfig();
const registry = new DynamoDBConnectionRegistry({ tableName: config.connectionsTable });

export const handler = websocketRoute(unregisterConnection({ registry }), logger);

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBConnectionRegistry } from './lib/aws/connection-registry.js';
import { readRegistryConfig } from './lib/config.js';
import { unregisterConnection } from './lib/core/registry.js';
import { websocketRoute } from './lib/websocket-route.js';

// $disconnect: removes the connection from the registry.
const logger = new Logger();
const config = readRegistryConfig(process.env);
const registry = new DynamoDBConnectionRegistry({ tableName: config.connectionsTable });

export const handler = websocketRoute(unregisterConnection({ registry }), logger);

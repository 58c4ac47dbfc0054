import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBConnectionRegistry } from './lib/aws/connection-registry.js';
import { DynamoDBDeploymentWindow } from './lib/aws/deployment-window.js';
import { readConnectConfig } from './lib/config.js';
import { systemClock } from './lib/core/ports.js';
import { registerConnection } from './lib/core/websocket-routes.js';
import { websocketRoute } from './lib/route-handler.js';

// $connect: registers the connection as active, or, while a deployment window is open and
// NEW_CONNECTIONS_DURING_DEPLOYMENT is hold (the default), refuses it until the window closes.
const logger = new Logger();
const config = readConnectConfig();
const registry = new DynamoDBConnectionRegistry({ tableName: config.connectionsTable });
const window = new DynamoDBDeploymentWindow({ tableName: config.runsTable, clock: systemClock });

export const handler = websocketRoute(
  registerConnection({
    registry,
    clock: systemClock,
    gate: { window, newConnections: config.newConnectionsDuringDeployment },
  }),
  logger,
);

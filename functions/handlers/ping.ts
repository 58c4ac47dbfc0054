import { Logger } from '@aws-lambda-powertools/logger';
import { answerPing } from '../core/protocol/routes.js';
import { websocketRoute } from './route-handler.js';

// ws-channels.ping: the client helper's keep-alive while suspended. It touches nothing (no
// table, no @connections), so it needs no configuration and its role may only write its logs.
const logger = new Logger();

export const handler = websocketRoute(answerPing(), logger);

import { InvalidEventError } from '../../functions/core/errors.js';
import type { MessagePoster } from '../../functions/core/ports.js';
import {
  connectionIdOf,
  ok,
  type RouteResponse,
  type WebSocketRouteEvent,
} from '../../functions/core/protocol/routes.js';

/**
 * The stand-in for the application's own message handler: sends the message back to its sender.
 * A real app replaces functions/default.ts with its own handler (see README).
 */
export function echoMessage(deps: { poster: MessagePoster }) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    const connectionId = connectionIdOf(event);
    const body = event.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new InvalidEventError('The event body is not a string; expected the message text.');
    }
    const data =
      event.isBase64Encoded === true
        ? Buffer.from(body ?? '', 'base64')
        : Buffer.from(body ?? '', 'utf8');
    await deps.poster.post(connectionId, data);
    return ok;
  };
}

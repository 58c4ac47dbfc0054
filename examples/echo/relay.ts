import type { MessagePoster } from '../../functions/core/ports.js';
import {
  connectionIdOf,
  ok,
  type RouteResponse,
  type WebSocketRouteEvent,
} from '../../functions/core/protocol/routes.js';
import { errorNameOf, httpStatusOf } from '../../functions/core/sdk-error.js';

/**
 * A stand-in for apps that relay what one client sends to every member, as AWS's sample chat
 * (aws-samples/simple-websockets-chat-app, `sendmessage`) does: `{"action":"sendmessage",
 * "data":"..."}` has `data` posted verbatim to every connection of the Connections table. Any
 * client can send text shaped like a control frame this way: the reference stack keeps it to show
 * that the client helper takes none of it (test/e2e/relay.e2e.test.ts).
 */
export function relayToEveryMember(deps: {
  /** Every connection id of the registry, page by page. */
  connectionIds: () => AsyncIterable<readonly string[]>;
  poster: MessagePoster;
}) {
  return async (event: WebSocketRouteEvent): Promise<RouteResponse> => {
    connectionIdOf(event);
    const data = dataOf(event.body);
    if (data === undefined) {
      return {
        statusCode: 400,
        body: 'Expected {"action":"sendmessage","data":"<text>"}: data is the text sent to every member.',
      };
    }
    const bytes = Buffer.from(data, 'utf8');
    const failed: unknown[] = [];
    for await (const page of deps.connectionIds()) {
      // One page at a time (a Scan page): bounded, as the sample's Promise.all over all is not.
      const posts = await Promise.allSettled(page.map((id) => deps.poster.post(id, bytes)));
      for (const post of posts) {
        // A member that left is ws-channels' registry's to forget ($disconnect), not the app's.
        if (post.status === 'rejected' && httpStatusOf(post.reason) !== 410) {
          failed.push(post.reason);
        }
      }
    }
    if (failed.length > 0) {
      const name = errorNameOf(failed[0]) ?? 'Error';
      throw new Error(`${failed.length} relayed posts failed, the first with ${name}`, {
        cause: failed[0],
      });
    }
    return ok;
  };
}

function dataOf(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  try {
    const { data } = JSON.parse(body) as { data?: unknown };
    return typeof data === 'string' ? data : undefined;
  } catch {
    return undefined;
  }
}

import type { RouteResponse, WebSocketRouteEvent } from './routes.js';

// The frame key: a random value the client helper opens its socket with (the query parameter
// `wsChannelsKey`), kept with the connection's registry item and carried by every control frame
// to that connection. Only ws-channels and that client know it, so no other client can make a
// frame the helper takes: not by hand, and not by relaying a byte-exact copy of its own genuine
// frame through an app that passes client text on (AWS's sample chat does).

/** The query parameter of $connect that carries the frame key. */
export const frameKeyParameter = 'wsChannelsKey';

/** 128 random bits in base64url without padding. */
export const frameKeyLength = 22;

const frameKeyForm = /^[A-Za-z0-9_-]{22}$/;

/** Whether `value` has the frame key's form: 22 characters of base64url (A-Z a-z 0-9 - _). */
export function isFrameKey(value: unknown): value is string {
  return typeof value === 'string' && frameKeyForm.test(value);
}

/** The 400 that refuses a $connect whose `wsChannelsKey` is not a frame key. */
export const malformedFrameKey: RouteResponse = {
  statusCode: 400,
  body: `Invalid query parameter ${frameKeyParameter}: expected it once, as 22 characters of base64url (A-Z, a-z, 0-9, "-" and "_", no padding): 128 random bits, as the client helper's withChannelsKey makes it.`,
};

/**
 * The frame key a $connect event brings: undefined when it has none (a client without the
 * helper, whose frames then carry no key), or the 400 to answer when the parameter is there but
 * malformed or repeated (a bad key would only make the helper ignore every frame, unseen).
 */
export function frameKeyOfConnect(
  event: WebSocketRouteEvent,
): { frameKey: string | undefined } | { refused: RouteResponse } {
  const values = event.multiValueQueryStringParameters?.[frameKeyParameter];
  if (Array.isArray(values) && values.length > 1) return { refused: malformedFrameKey };
  const value = event.queryStringParameters?.[frameKeyParameter];
  if (value === undefined || value === null) return { frameKey: undefined };
  return isFrameKey(value) ? { frameKey: value } : { refused: malformedFrameKey };
}

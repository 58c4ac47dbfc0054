import { pingRoute } from '../infra/index.js';
import { SETTINGS_PATH, shown } from './settings-reader.js';

// The client helper's keep-alive sends {"action":"ws-channels.ping"}, which reaches ws-channels'
// ping function only under the route selection expression $request.body.action (osls's default).
// Under another expression it would reach the app's $default route: the alias being deployed,
// where a ping waits on the traffic shift or wakes the very code being replaced.

/** The expression the ping message is routed by; osls's default for a WebSocket API. */
export const pingSelectionExpression = '$request.body.action';
const pingMessage = `{"action":"${pingRoute}"}`;

/**
 * The problems of the API's route selection expression for the keep-alive route.
 *
 * @param expression provider.websocketsApiRouteSelectionExpression (undefined: osls's default)
 * @param pingRouteKey custom.wsChannels.pingRouteKey
 * @param existingApi the service uses an existing API (provider.apiGateway.websocketApiId),
 *   whose expression the plugin cannot see
 */
export function routeSelectionProblems(
  expression: unknown,
  pingRouteKey: string | undefined,
  existingApi: boolean,
): string[] {
  if (existingApi) return [];
  const selected = expression === undefined || expression === pingSelectionExpression;
  if (selected && pingRouteKey !== undefined && pingRouteKey !== pingRoute) {
    return [
      `${SETTINGS_PATH}.pingRouteKey is ${shown(pingRouteKey)}; expected it unset: under ${pingSelectionExpression} the keep-alive message ${pingMessage} selects the route ${pingRoute}`,
    ];
  }
  if (selected || pingRouteKey !== undefined) return [];
  return [
    `provider.websocketsApiRouteSelectionExpression is ${shown(expression)}; the client helper's keep-alive sends ${pingMessage}, which ws-channels routes to its ping function under ${pingSelectionExpression}. Under ${shown(expression)} it would reach your $default route, the alias being deployed. Either set ${SETTINGS_PATH}.pingRouteKey to the route key your expression selects for that message, or use ${pingSelectionExpression}.`,
  ];
}

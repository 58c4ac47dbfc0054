import { isPlainObject } from './cloudformation.js';
import type { FunctionDefinition } from './serverless.js';
import { SETTINGS_PATH, shown } from './settings-reader.js';

// `custom.wsChannels.app`: the functions CodeDeploy deploys, each a deployment group with suspend
// and resume as its hooks. Three shapes, one per kind of app:
//   app: chat                                       one function behind a router
//   app: [onconnect, ondisconnect, sendmessage]     a function per route (AWS's sample chat)
//   app: '*'                                        every function with websocket events
// A wrong value is named with the service's candidates and the line that would work.

/** The value of `app` that stands for every function of the service with websocket events. */
export const EVERY_WEBSOCKET_FUNCTION = '*';

/** Whether a function configuration has at least one `websocket` event. */
export const hasWebsocketEvent = (definition: FunctionDefinition | undefined): boolean =>
  Array.isArray(definition?.events) &&
  definition.events.some((event) => isPlainObject(event) && event.websocket !== undefined);

type Functions = Readonly<Record<string, FunctionDefinition>>;

/** How to write `app` for this service: its functions with websocket events, in each shape. */
function howToWrite(candidates: readonly string[]): string {
  if (candidates.length === 0) {
    return 'this service has no function with websocket events: give the function that serves your WebSocket routes one (events: [{ websocket: { route: $default } }]) and name it in app';
  }
  const [first] = candidates;
  if (candidates.length === 1) {
    return `this service's one function with websocket events is ${first}: write app: ${first}`;
  }
  return `this service's functions with websocket events are ${candidates.join(', ')}: write app: [${candidates.join(', ')}] (or app: '${EVERY_WEBSOCKET_FUNCTION}') for a function per route, or app: <one of them> for one function behind a router`;
}

/** The function names `app` gives, before they are checked; undefined when it is no such value. */
function namesGiven(app: unknown, candidates: readonly string[]): string[] | undefined {
  if (app === EVERY_WEBSOCKET_FUNCTION) return [...candidates];
  if (typeof app === 'string' && app !== '') return [app];
  if (Array.isArray(app) && app.length > 0 && app.every((name) => typeof name === 'string')) {
    return [...new Set(app as string[])];
  }
  return undefined;
}

/**
 * Reads `app` against the service's functions.
 *
 * @returns the function keys CodeDeploy deploys (only those that may be), and every problem, each
 *   saying what to write instead
 */
export function readAppSetting(
  app: unknown,
  functions: Functions,
): { app: string[]; problems: string[] } {
  const candidates = Object.keys(functions).filter((name) => hasWebsocketEvent(functions[name]));
  const how = howToWrite(candidates);
  const key = `${SETTINGS_PATH}.app`;
  if (app === undefined || app === null || app === '') {
    return {
      app: [],
      problems: [`${key} is not set; expected the functions CodeDeploy deploys: ${how}`],
    };
  }
  const names = namesGiven(app, candidates);
  if (names === undefined || names.length === 0) {
    const what = names === undefined ? shown(app) : `'${EVERY_WEBSOCKET_FUNCTION}'`;
    return {
      app: [],
      problems: [
        `${key} is ${what}; expected a function name, a list of function names, or '${EVERY_WEBSOCKET_FUNCTION}': ${how}`,
      ],
    };
  }
  const problems: string[] = [];
  const missing = names.filter((name) => functions[name] === undefined);
  const withoutWebsocket = names.filter(
    (name) => functions[name] !== undefined && !hasWebsocketEvent(functions[name]),
  );
  const quoted = (list: readonly string[]) => list.map((name) => `"${name}"`).join(', ');
  if (missing.length > 0) {
    const which = missing.length === 1 ? 'which is not a function' : 'which are not functions';
    problems.push(`${key} names ${quoted(missing)}, ${which} of this service; ${how}`);
  }
  if (withoutWebsocket.length > 0) {
    const which = withoutWebsocket.length === 1 ? 'a function' : 'functions';
    problems.push(
      `${key} names ${quoted(withoutWebsocket)}, ${which} without websocket events; ${how}`,
    );
  }
  const deployed = names.filter((name) => candidates.includes(name));
  for (const name of deployed) {
    if (functions[name]?.deploymentSettings !== undefined) {
      problems.push(
        `functions.${name}.deploymentSettings is set; expected none: ws-channels gives each function of ${key} its deploymentSettings, with suspend and resume as hooks: remove them, and set trafficShifting (and alias) in ${SETTINGS_PATH}`,
      );
    }
  }
  return { app: deployed, problems };
}

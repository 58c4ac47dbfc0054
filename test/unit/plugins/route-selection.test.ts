import { describe, expect, it } from 'vitest';
import { routeSelectionProblems } from '../../../plugins/route-selection.js';

// The keep-alive message {"action":"ws-channels.ping"} reaches ws-channels' ping function only
// under $request.body.action; under another expression it would reach the app's $default alias.

describe("the API's route selection expression and the keep-alive route", () => {
  it.each([
    [undefined, undefined],
    ['$request.body.action', undefined],
    ['$request.body.action', 'ws-channels.ping'],
    ['$request.body.type', 'ping'],
  ])('accepts the expression %j with pingRouteKey %j', (expression, pingRouteKey) => {
    // Act
    const problems = routeSelectionProblems(expression, pingRouteKey, false);
    // Assess
    expect(problems).toEqual([]);
  });

  it('names the expression found, what the ping sends and what to do when it routes on another field', () => {
    // Act
    const problems = routeSelectionProblems('$request.body.type', undefined, false);
    // Assess
    expect(problems).toEqual([
      'provider.websocketsApiRouteSelectionExpression is "$request.body.type"; the client helper\'s keep-alive sends {"action":"ws-channels.ping"}, which ws-channels routes to its ping function under $request.body.action. Under "$request.body.type" it would reach your $default route, the alias being deployed. Either set custom.wsChannels.pingRouteKey to the route key your expression selects for that message, or use $request.body.action.',
    ]);
  });

  it('refuses a pingRouteKey that $request.body.action would not select for the ping', () => {
    // Act
    const problems = routeSelectionProblems(undefined, 'ping', false);
    // Assess
    expect(problems).toEqual([
      'custom.wsChannels.pingRouteKey is "ping"; expected it unset: under $request.body.action the keep-alive message {"action":"ws-channels.ping"} selects the route ws-channels.ping',
    ]);
  });

  it("leaves an existing API's expression, which the plugin cannot see, to the team", () => {
    // Act
    const problems = routeSelectionProblems('$request.body.type', undefined, true);
    // Assess
    expect(problems).toEqual([]);
  });
});

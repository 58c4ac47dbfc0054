import { isPlainObject } from './cloudformation.js';
import { ownFunctionKeys } from './functions.js';
import { invocationLogicalIds } from './invocation-resources.js';
import { roleLogicalIds, tableLogicalIds } from './resources.js';
import { routeSelectionProblems } from './route-selection.js';
import type { ServiceConfig } from './serverless.js';
import type { Settings } from './settings.js';

// What the service itself must leave to ws-channels: the names of its resources and functions,
// and a route selection expression that sends the keep-alive ping to its route.

/** The problems of the service around custom.wsChannels, each naming what to change. */
export function serviceProblems(service: ServiceConfig, settings: Settings | undefined): string[] {
  const problems: string[] = [];
  const resources = isPlainObject(service.resources) ? service.resources.Resources : undefined;
  const ownLogicalIds = [
    ...Object.values(tableLogicalIds),
    ...Object.values(roleLogicalIds),
    ...invocationLogicalIds,
  ];
  for (const logicalId of ownLogicalIds) {
    if (isPlainObject(resources) && resources[logicalId] !== undefined) {
      problems.push(
        `resources.Resources.${logicalId} exists; expected that name free for ws-channels`,
      );
    }
  }
  const provider = isPlainObject(service.provider.apiGateway) ? service.provider.apiGateway : {};
  problems.push(
    ...routeSelectionProblems(
      service.provider.websocketsApiRouteSelectionExpression,
      settings?.pingRouteKey,
      provider.websocketApiId !== undefined,
    ),
  );
  for (const key of ownFunctionKeys) {
    if (service.functions[key] !== undefined) {
      problems.push(`functions.${key} exists; expected that name free for ws-channels`);
    }
  }
  return problems;
}

import { describe, expect, it } from 'vitest';
import { registryStatements, wsChannelsRoles } from '../../../infra/index.js';

// The roles' description: every statement names what it applies to, and no action is a wildcard.
// The rendered ARNs are checked in test/unit/plugins/resources.test.ts.

describe('the roles ws-channels adds and the statements of the app', () => {
  const statements = [
    ...wsChannelsRoles.flatMap(({ id, statements: own }) => own.map((it) => [id, it] as const)),
    ...registryStatements.map((statement) => ['app', statement] as const),
  ];

  it.each(statements)('%s: names its resources and its actions one by one', (_owner, statement) => {
    // Assess
    expect(statement.resources.length).toBeGreaterThan(0);
    expect(statement.actions.length).toBeGreaterThan(0);
    for (const action of statement.actions) expect(action).toMatch(/^[a-z-]+:[A-Za-z]+$/);
  });

  it("lets only the run role report a hook status, and gives the app only the registry's four actions", () => {
    // Prepare
    const reporters = statements
      .filter(([, { actions }]) =>
        actions.includes('codedeploy:PutLifecycleEventHookExecutionStatus'),
      )
      .map(([owner]) => owner);
    const appActions = registryStatements.flatMap(({ actions }) => actions);
    // Assess
    expect(reporters).toEqual(['run']);
    expect(appActions.sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'execute-api:ManageConnections',
    ]);
  });
});

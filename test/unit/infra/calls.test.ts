import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registryStatements, runRole } from '../../../infra/index.js';

// Every AWS call the functions make is granted, and nothing else is: the SDK commands (and
// paginators, and PartiQL statements) written in functions/aws, read from the source, against the
// actions of the role that runs them. A new command fails here until it is added to the table and
// granted. Which resource each call names is the IAM simulator's to check (issue 17, item 10).

const awsFolder = fileURLToPath(new URL('../../../functions/aws/', import.meta.url));

/** The IAM actions each SDK command or paginator needs. */
const actionsOfCall: Readonly<Record<string, readonly string[]>> = {
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  // Its actions are those of the PartiQL statements it carries (statementActions).
  BatchExecuteStatementCommand: [],
  DeleteCommand: ['dynamodb:DeleteItem'],
  GetCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  paginateQuery: ['dynamodb:Query'],
  paginateScan: ['dynamodb:Scan'],
  GetDeploymentCommand: ['codedeploy:GetDeployment'],
  InvokeCommand: ['lambda:InvokeFunction'],
  PostToConnectionCommand: ['execute-api:ManageConnections'],
  PutLifecycleEventHookExecutionStatusCommand: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
};

/** PartiQL statements as the stores write them (`UPDATE "table" SET …`, `DELETE FROM "table" …`). */
const statementActions: ReadonlyArray<readonly [RegExp, string]> = [
  [/`UPDATE \$\{/, 'dynamodb:PartiQLUpdate'],
  [/`DELETE FROM \$\{/, 'dynamodb:PartiQLDelete'],
  [/`INSERT INTO \$\{/, 'dynamodb:PartiQLInsert'],
  [/`SELECT /, 'dynamodb:PartiQLSelect'],
];

/** Granted for what the Lambda service does with the role, not for a call in the code. */
const serviceActions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage'];

function callsIn(file: string): { calls: string[]; actions: string[] } {
  const source = readFileSync(join(awsFolder, file), 'utf8');
  const calls = [
    ...[...source.matchAll(/new ([A-Z]\w+Command)\(/g)].map(([, name]) => name ?? ''),
    ...[...source.matchAll(/\b(paginate[A-Z]\w+)\(/g)].map(([, name]) => name ?? ''),
  ];
  const actions = [
    ...calls.flatMap((call) => actionsOfCall[call] ?? []),
    ...statementActions.filter(([pattern]) => pattern.test(source)).map(([, action]) => action),
  ];
  return { calls, actions };
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const actionsOf = (statements: typeof registryStatements) =>
  sorted(statements.flatMap(({ actions }) => actions));

describe('the AWS calls of the functions and the roles that run them', () => {
  const files = readdirSync(awsFolder).filter((name) => name.endsWith('.ts'));
  // The registry middleware's own store; every other adapter is the runs' (run-adapters.ts).
  const registryFiles = ['connection-registry.ts'];

  it('knows the IAM actions of every SDK command the adapters send', () => {
    // Act
    const unknown = files.flatMap((file) =>
      callsIn(file).calls.filter((call) => actionsOfCall[call] === undefined),
    );
    // Assess
    expect(files.length).toBeGreaterThan(10);
    expect(unknown).toEqual([]);
  });

  it('grants the run role exactly the actions suspend and resume call, and what Lambda does for them', () => {
    // Act
    const called = files
      .filter((file) => !registryFiles.includes(file))
      .flatMap((file) => callsIn(file).actions);
    // Assess: no BatchWriteItem, no DescribeTable, nothing that no call uses.
    expect(actionsOf(runRole.statements)).toEqual(sorted([...called, ...serviceActions]));
  });

  it("grants the app's functions every action of the registry middleware's store", () => {
    // Act
    const called = registryFiles.flatMap((file) => callsIn(file).actions);
    // Assess: its other call, the deployment window's GetItem, is checked by the window's tests.
    expect(called.length).toBeGreaterThan(0);
    expect(actionsOf(registryStatements)).toEqual(expect.arrayContaining(sorted(called)));
  });
});

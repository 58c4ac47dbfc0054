import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { parse } from 'yaml';

// Creates the tables of infra/tables.yml in DynamoDB Local, so tests run against the same key
// schema, index and attributes as the deployed stack, not a copy of them.

const tablesFile = new URL('../../infra/tables.yml', import.meta.url);

// CloudFormation short-form tags: kept as plain values, since only table properties are read.
const cloudFormationTags = ['!Ref', '!GetAtt', '!Join', '!Sub', '!Select', '!If'].flatMap((tag) => [
  { tag, resolve: (value: unknown) => value },
  { tag, collection: 'seq' as const, resolve: (value: unknown) => value },
]);

interface TableResource {
  Type: string;
  Properties: Record<string, unknown>;
}

export interface TestTables {
  connectionsTable: string;
  runsTable: string;
  suspendedIndex: string;
}

export function testClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates uniquely named Connections and Runs tables from infra/tables.yml. */
export async function createTestTables(client: DynamoDBClient): Promise<TestTables> {
  const suffix = randomUUID().slice(0, 8);
  const names: TestTables = {
    connectionsTable: `test-${suffix}-connections`,
    runsTable: `test-${suffix}-runs`,
    suspendedIndex: 'suspended',
  };
  // The serverless.yml variables the file uses, `${self:custom.NAME}`, get the test's names.
  const custom: Record<string, string> = { ...names };
  const text = readFileSync(tablesFile, 'utf8').replace(
    /\$\{self:custom\.(\w+)\}/g,
    (variable, name: string) => custom[name] ?? variable,
  );
  const template = parse(text, { customTags: cloudFormationTags }) as {
    Resources: Record<string, TableResource>;
  };
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::DynamoDB::Table') continue;
    const {
      TimeToLiveSpecification: _ttl,
      PointInTimeRecoverySpecification: _pitr,
      ...properties
    } = resource.Properties;
    const input = properties as unknown as CreateTableCommandInput;
    await client.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: input.TableName ?? '' });
  }
  return names;
}

export async function deleteTestTables(client: DynamoDBClient, tables: TestTables): Promise<void> {
  for (const TableName of [tables.connectionsTable, tables.runsTable]) {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
  }
}

import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDBLocal } from './dynamodb-local.js';

// One DynamoDB Local for the whole integration run; every test file makes its own tables.
export default async function setup(project: TestProject) {
  const dynamodb = await startDynamoDBLocal();
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return async () => {
    await dynamodb.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Either your own client or a config to build one with, never both (the Powertools way). */
export type DynamoDBClientOption =
  | { client: DynamoDBClient; clientConfig?: never }
  | { client?: never; clientConfig?: DynamoDBClientConfig };

export function documentClientFrom(option: DynamoDBClientOption): DynamoDBDocumentClient {
  const client = option.client ?? new DynamoDBClient(option.clientConfig ?? {});
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

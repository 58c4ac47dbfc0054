import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConnectionRegistry } from '../core/ports.js';
import { type DynamoDBClientOption, documentClientFrom } from './dynamodb.js';

/** The Connections table as the WebSocket route handlers see it. */
export class DynamoDBConnectionRegistry implements ConnectionRegistry {
  readonly #documentClient: DynamoDBDocumentClient;
  readonly #tableName: string;

  constructor(options: { tableName: string } & DynamoDBClientOption) {
    this.#tableName = options.tableName;
    this.#documentClient = documentClientFrom(options);
  }

  /** The item as $connect leaves it: active, with the client's frame key if it gave one. */
  async register(connection: Parameters<ConnectionRegistry['register']>[0]): Promise<void> {
    await this.#documentClient.send(
      new PutCommand({
        TableName: this.#tableName,
        Item: { ...connection, status: 'active' },
      }),
    );
  }

  async remove(connectionId: string): Promise<void> {
    await this.#documentClient.send(
      new DeleteCommand({ TableName: this.#tableName, Key: { connectionId } }),
    );
  }
}

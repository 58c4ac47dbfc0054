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

  async register(connection: {
    connectionId: string;
    connectedAt: number;
    expiresAt: number;
    admittedInWindow?: string;
  }): Promise<void> {
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

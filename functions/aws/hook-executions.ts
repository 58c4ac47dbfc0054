import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  HookClaim,
  HookExecution,
  HookExecutions,
  HookStatus,
  LifecycleHook,
  RunKind,
} from '../core/ports.js';
import { isConditionFailure } from '../core/sdk-error.js';
import { RunTable, recordLifetimeSeconds, translateRunTableError } from './run-table.js';

// The hook executions in the Runs table: one item per CodeDeploy lifecycle hook, keyed on its
// LifecycleEventHookExecutionId, that makes every delivery of the hook's event after the
// first find what the first did (see report-hook-status.ts).

export const hookExecutionKey = (hook: LifecycleHook) =>
  `hook#${hook.lifecycleEventHookExecutionId}`;

/**
 * The hook executions of the Runs table, written with conditions only: the first delivery of a
 * hook's event creates the item, a later one reads it, and only the invocation that holds it
 * (`owner`) completes it.
 */
export class DynamoDBHookExecutions extends RunTable implements HookExecutions {
  async claim(
    hook: LifecycleHook,
    claim: { kind: RunKind; owner: string; inProgressUntil: number },
  ): Promise<HookClaim> {
    const now = this.clock.now();
    // The item can vanish between the refused write and the read (its TTL): then claim again.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.documentClient.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              runId: hookExecutionKey(hook),
              kind: claim.kind,
              ...hook,
              execution: 'in_progress',
              owner: claim.owner,
              inProgressUntil: claim.inProgressUntil,
              startedAt: new Date(now).toISOString(),
              expiresAt: Math.ceil(now / 1000) + recordLifetimeSeconds,
            },
            // Free, past its holder's time, or held by this owner (its run was handed over).
            ConditionExpression:
              'attribute_not_exists(runId) OR (#execution = :inProgress AND (#inProgressUntil < :now OR #owner = :owner))',
            ExpressionAttributeNames: {
              '#execution': 'execution',
              '#inProgressUntil': 'inProgressUntil',
              '#owner': 'owner',
            },
            ExpressionAttributeValues: {
              ':inProgress': 'in_progress',
              ':now': now,
              ':owner': claim.owner,
            },
          }),
        );
        return { claimed: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw translateRunTableError(error, this.tableName);
      }
      const execution = await this.#read(hook);
      if (execution) return { claimed: false, execution };
    }
    throw new Error(
      `The hook execution ${hookExecutionKey(hook)} was refused and then not found twice`,
    );
  }

  async complete(
    hook: LifecycleHook,
    owner: string,
    result: { status: HookStatus; response: Record<string, unknown> },
  ): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: hookExecutionKey(hook) },
          UpdateExpression:
            'SET #execution = :completed, #hookStatus = :status, #response = :response, #completedAt = :at',
          ConditionExpression: '#owner = :owner AND #execution = :inProgress',
          ExpressionAttributeNames: {
            '#execution': 'execution',
            '#hookStatus': 'hookStatus',
            '#response': 'response',
            '#completedAt': 'completedAt',
            '#owner': 'owner',
          },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':inProgress': 'in_progress',
            ':status': result.status,
            ':response': result.response,
            ':owner': owner,
            ':at': new Date(this.clock.now()).toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateRunTableError(error, this.tableName);
    }
  }

  async markReported(hook: LifecycleHook): Promise<void> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: hookExecutionKey(hook) },
          UpdateExpression: 'SET #execution = :reported, #reportedAt = :at',
          // Never an item out of nothing, nor one still in progress: it has no status to keep.
          ConditionExpression: '#execution = :completed',
          ExpressionAttributeNames: { '#execution': 'execution', '#reportedAt': 'reportedAt' },
          ExpressionAttributeValues: {
            ':completed': 'completed',
            ':reported': 'reported',
            ':at': new Date(this.clock.now()).toISOString(),
          },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw translateRunTableError(error, this.tableName);
    }
  }

  async extend(hook: LifecycleHook, owner: string, inProgressUntil: number): Promise<boolean> {
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: hookExecutionKey(hook) },
          UpdateExpression: 'SET #inProgressUntil = :until, #heartbeatAt = :at',
          ConditionExpression: '#owner = :owner AND #execution = :inProgress',
          ExpressionAttributeNames: {
            '#inProgressUntil': 'inProgressUntil',
            '#heartbeatAt': 'heartbeatAt',
            '#owner': 'owner',
            '#execution': 'execution',
          },
          ExpressionAttributeValues: {
            ':until': inProgressUntil,
            ':at': new Date(this.clock.now()).toISOString(),
            ':owner': owner,
            ':inProgress': 'in_progress',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw translateRunTableError(error, this.tableName);
    }
  }

  async #read(hook: LifecycleHook): Promise<HookExecution | undefined> {
    const output = await this.documentClient
      .send(
        new GetCommand({
          TableName: this.tableName,
          Key: { runId: hookExecutionKey(hook) },
          ConsistentRead: true,
        }),
      )
      .catch((error: unknown) => {
        throw translateRunTableError(error, this.tableName);
      });
    const item = output.Item;
    if (!item) return undefined;
    const kind = item.kind === 'suspend' ? 'suspend' : 'resume';
    if (item.execution === 'in_progress') {
      const until = typeof item.inProgressUntil === 'number' ? item.inProgressUntil : 0;
      return { hook, kind, state: 'in_progress', inProgressUntil: until };
    }
    const { execution, hookStatus, response } = item;
    if (
      (execution === 'completed' || execution === 'reported') &&
      (hookStatus === 'Succeeded' || hookStatus === 'Failed') &&
      typeof response === 'object' &&
      response !== null
    ) {
      return { hook, kind, state: execution, status: hookStatus, response };
    }
    throw new Error(
      `The hook execution ${hookExecutionKey(hook)} in ${this.tableName} is neither in progress nor a stored status`,
    );
  }
}

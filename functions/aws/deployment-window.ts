import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeploymentWindow, DeploymentWindowState } from '../core/ports.js';
import { isWindowOpen } from '../core/registry/deployment-window.js';
import { isConditionFailure } from '../core/sdk-error.js';
import { RunTable, translateRunTableError } from './run-table.js';

// The deployment window in the Runs table: one item, `window#deployment`, with `openUntil` (epoch
// ms) and `deployments`, a string set of the CodeDeploy deployments whose BeforeAllowTraffic ran
// in it. Every change is one conditional write, so two sibling hooks at once never lose a member,
// and exactly one resume sees the set empty. No item: the window is closed.

export const windowId = 'window#deployment';
/** Kept a day past its bound, so an operator can see which run left a window open. */
const keptAfterBoundSeconds = 24 * 60 * 60;
/** Opening races with a close or a sibling at most this many times before it gives up. */
const maxOpenAttempts = 3;

export class DynamoDBDeploymentWindow extends RunTable implements DeploymentWindow {
  async read(): Promise<DeploymentWindowState | undefined> {
    try {
      const output = await this.documentClient.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { runId: windowId },
          ConsistentRead: true,
        }),
      );
      return stateOf(output.Item);
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
  }

  async open(opening: {
    runId: string;
    deploymentId: string | null;
    now: number;
    openUntil: number;
  }): Promise<DeploymentWindowState> {
    let opened = false;
    try {
      for (let attempt = 0; attempt < maxOpenAttempts && !opened; attempt++) {
        opened = (await this.#openNew(opening)) || (await this.#join(opening));
      }
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
    if (!opened) {
      throw new Error(
        `The deployment window changed ${maxOpenAttempts} times while it was opened.`,
      );
    }
    // What it is now, its id included (a join keeps the id of the window it joined).
    const state = await this.read();
    if (!state) throw new Error('The deployment window was closed as soon as it was opened.');
    return state;
  }

  /** A window where there is none, or where the last one is past its bound (a fresh set). */
  async #openNew(opening: Parameters<DeploymentWindow['open']>[0]): Promise<boolean> {
    return this.#unlessCondition(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          runId: windowId,
          windowId: randomUUID(),
          openedBy: opening.runId,
          openedAt: new Date(opening.now).toISOString(),
          openUntil: opening.openUntil,
          ...(opening.deploymentId === null
            ? {}
            : { deployments: new Set([opening.deploymentId]) }),
          expiresAt: Math.ceil(opening.openUntil / 1000) + keptAfterBoundSeconds,
        },
        ConditionExpression: 'attribute_not_exists(runId) OR openUntil <= :now',
        ExpressionAttributeValues: { ':now': opening.now },
      }),
    );
  }

  /** Joins the open window: adds the deployment, and moves the bound later (never earlier). */
  async #join(opening: Parameters<DeploymentWindow['open']>[0]): Promise<boolean> {
    const add = opening.deploymentId === null ? '' : ' ADD deployments :deployment';
    const deployment =
      opening.deploymentId === null ? {} : { ':deployment': new Set([opening.deploymentId]) };
    const later = await this.#unlessCondition(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { runId: windowId },
        UpdateExpression: `SET openUntil = :until, openedBy = :runId, expiresAt = :expiresAt${add}`,
        ConditionExpression: 'openUntil > :now AND openUntil < :until',
        ExpressionAttributeValues: {
          ':now': opening.now,
          ':until': opening.openUntil,
          ':runId': opening.runId,
          ':expiresAt': Math.ceil(opening.openUntil / 1000) + keptAfterBoundSeconds,
          ...deployment,
        },
      }),
    );
    if (later) return true;
    // Its bound is later already: only the deployment joins (nothing to do without one).
    if (opening.deploymentId === null) return isWindowOpen(await this.read(), opening.now);
    return this.#unlessCondition(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { runId: windowId },
        UpdateExpression: 'ADD deployments :deployment',
        ConditionExpression: 'openUntil > :now',
        ExpressionAttributeValues: { ':now': opening.now, ...deployment },
      }),
    );
  }

  async leave(deploymentId: string): Promise<DeploymentWindowState | undefined> {
    try {
      const output = await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { runId: windowId },
          // DynamoDB removes the attribute with its last member: no empty set is ever stored.
          UpdateExpression: 'DELETE deployments :deployment',
          ConditionExpression: 'attribute_exists(runId)',
          ExpressionAttributeValues: { ':deployment': new Set([deploymentId]) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateOf(output.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw translateRunTableError(error, this.tableName);
    }
  }

  async close(options: { force: boolean }): Promise<boolean> {
    try {
      return await this.#unlessCondition(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { runId: windowId },
          ...(options.force ? {} : { ConditionExpression: 'attribute_not_exists(deployments)' }),
        }),
      );
    } catch (error) {
      throw translateRunTableError(error, this.tableName);
    }
  }

  /** Sends a conditional write: true when it was made, false when its condition failed. */
  async #unlessCondition(command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
    try {
      // One overload per command class: the union needs the cast.
      await this.documentClient.send(command as PutCommand);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

function stateOf(item: Record<string, unknown> | undefined): DeploymentWindowState | undefined {
  if (!item || typeof item.openUntil !== 'number') return undefined;
  const deployments = item.deployments instanceof Set ? [...item.deployments].map(String) : [];
  return {
    // A window from before window ids is named by its opener.
    windowId: String(item.windowId ?? item.openedBy ?? ''),
    openedBy: String(item.openedBy ?? ''),
    openUntil: item.openUntil,
    deployments: deployments.sort(),
  };
}

import type { TableId } from './ids.js';

// The two DynamoDB tables ws-channels adds to a stack (DESIGN "Data"), as plain data. The
// Serverless plugin renders them as AWS::DynamoDB::Table resources, the tests create them in
// DynamoDB Local through that rendering, and the CDK construct will render them as TableV2.
// Names are the renderer's to give: a stack names its tables, a CDK app may let CloudFormation.

/** DynamoDB's key attribute types: S (string) and N (number); B is never used. */
export type KeyAttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: KeyAttributeType;
}

export type Projection =
  | { readonly type: 'KEYS_ONLY' }
  | { readonly type: 'ALL' }
  | { readonly type: 'INCLUDE'; readonly nonKeyAttributes: readonly string[] };

export interface GlobalIndexDescription {
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly projection: Projection;
}

export interface TableDescription {
  readonly id: TableId;
  readonly partitionKey: KeyAttribute;
  readonly globalIndexes: readonly GlobalIndexDescription[];
  /** Items carry their expiry (epoch seconds) in this attribute; DynamoDB deletes them after. */
  readonly timeToLiveAttribute: string;
  /** On-demand capacity: suspend and resume write in bursts, an idle registry costs nothing. */
  readonly billing: 'on-demand';
  /** Encrypted at rest with the AWS managed key of DynamoDB (aws/dynamodb). */
  readonly encryption: 'aws-managed-key';
  /**
   * Point-in-time recovery. Left unset, the service's default (off). The registry holds only
   * state that expires within 2 hours, so neither table needs it.
   */
  readonly pointInTimeRecovery?: boolean;
}

/** The index of suspended connections is named by the stack (SUSPENDED_INDEX); this by default. */
export const defaultSuspendedIndexName = 'suspended';

/** The attribute both tables' items expire by (epoch seconds). */
export const expiryAttribute = 'expiresAt';

/**
 * Attributes of a suspended connection that resume reads from the index. `lastAttemptRun`: a
 * later invocation of a run (a hand-over) skips what the run tried. `frameKey`: every frame to a
 * connection carries the key its client connected with.
 */
export const suspendedIndexAttributes = [
  'suspendedBy',
  'suspendedAt',
  'resumeAttempts',
  'lastAttemptRun',
  'frameKey',
] as const;

/**
 * The Connections table: one item per connection, key connectionId. Its sparse index lists
 * exactly the suspended connections (only they carry suspendShard); the shard spreads the index
 * over partitions and lets resume read shards in parallel.
 */
export function connectionsTable(
  suspendedIndexName: string = defaultSuspendedIndexName,
): TableDescription {
  return {
    id: 'connections',
    partitionKey: { name: 'connectionId', type: 'S' },
    globalIndexes: [
      {
        name: suspendedIndexName,
        partitionKey: { name: 'suspendShard', type: 'N' },
        sortKey: { name: 'connectionId', type: 'S' },
        projection: { type: 'INCLUDE', nonKeyAttributes: suspendedIndexAttributes },
      },
    ],
    timeToLiveAttribute: expiryAttribute,
    billing: 'on-demand',
    encryption: 'aws-managed-key',
    pointInTimeRecovery: false,
  };
}

/** The Runs table: run records, the lease between runs, and the deployment window's item. */
export const runsTable: TableDescription = {
  id: 'runs',
  partitionKey: { name: 'runId', type: 'S' },
  globalIndexes: [],
  timeToLiveAttribute: expiryAttribute,
  billing: 'on-demand',
  encryption: 'aws-managed-key',
};

/** The key of the deployment window's item in the Runs table, the one item $connect may read. */
export const deploymentWindowKey = 'window#deployment';

/** Both tables, the Connections table's index named `suspendedIndexName`. */
export function wsChannelsTables(
  suspendedIndexName: string = defaultSuspendedIndexName,
): readonly TableDescription[] {
  return [connectionsTable(suspendedIndexName), runsTable];
}

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callRecorder, recordCalls } from '../../../functions/aws/call-recording.js';

// The recording hook of the IAM check: inert without WS_CHANNELS_RECORD_AWS_CALLS, one JSON line
// per command with it. The client never reaches the network: a last middleware answers.

const answerLocally: FinalizeRequestMiddleware<object, MetadataBearer> = () => async () => ({
  output: { $metadata: {} },
  response: {},
});

function localClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(answerLocally, { step: 'finalizeRequest', priority: 'low' });
  return client;
}

describe('recordCalls', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'ws-channels-calls-'));
  });
  afterEach(() => rm(folder, { recursive: true, force: true }));

  it('leaves the client as it is when the variable is unset', () => {
    const client = localClient();
    const before = client.middlewareStack.identify();
    expect(recordCalls(client, {})).toBe(client);
    expect(client.middlewareStack.identify()).toEqual(before);
    expect(callRecorder({})).toBeUndefined();
  });

  it('stays off for anything but an absolute path: "null" is what osls gives an unset variable offline', () => {
    // Before: `npm start` wrote every call of the local stack into a file named ./null.
    for (const value of ['null', '', 'calls.jsonl', 'undefined']) {
      const client = localClient();
      expect(recordCalls(client, { WS_CHANNELS_RECORD_AWS_CALLS: value })).toBe(client);
      expect(callRecorder({ WS_CHANNELS_RECORD_AWS_CALLS: value })).toBeUndefined();
    }
  });

  it('appends each command with its function and marshalled input, binary data as its length', async () => {
    const file = path.join(folder, 'calls.jsonl');
    const environment = {
      WS_CHANNELS_RECORD_AWS_CALLS: file,
      AWS_LAMBDA_FUNCTION_NAME: 'svc-dev-connect',
    };
    const documents = DynamoDBDocumentClient.from(recordCalls(localClient(), environment));

    await documents.send(
      new PutCommand({
        TableName: 'connections',
        Item: { connectionId: 'c1', key: Buffer.from('abc') },
      }),
    );
    callRecorder(environment)?.({
      client: 'SignedManagementApiPoster',
      command: 'PostToConnectionCommand',
      input: { ConnectionId: 'c1', Data: new Uint8Array(5) },
    });

    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {
        function: 'svc-dev-connect',
        client: 'DynamoDBClient',
        command: 'PutItemCommand',
        input: {
          TableName: 'connections',
          Item: { connectionId: { S: 'c1' }, key: { B: { bytes: 3 } } },
        },
      },
      {
        function: 'svc-dev-connect',
        client: 'SignedManagementApiPoster',
        command: 'PostToConnectionCommand',
        input: { ConnectionId: 'c1', Data: { bytes: 5 } },
      },
    ]);
  });
});

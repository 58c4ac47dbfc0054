import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { BatchExecuteStatementCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchStatementWriter, type Statement } from '../../../functions/aws/statement-writer.js';
import { RecordingLogger } from '../../support/fakes.js';

// The writer against a mocked BatchExecuteStatement: its bound on batches in flight and its
// backpressure are faults of pace that DynamoDB Local cannot be made to show on demand.

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const statement = (index: number): Statement => ({
  Statement: 'UPDATE "t" SET "status" = ? WHERE "connectionId" = ?',
  Parameters: ['active', `c-${index}`],
});

const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  }),
);
const dynamodb = mockClient(documentClient);
afterEach(() => dynamodb.reset());

/** A table that takes `delayMs` per call; records every id written and the calls at once. */
function slowTable(delayMs: number) {
  const written: string[] = [];
  let inCall = 0;
  let maxInCall = 0;
  dynamodb.on(BatchExecuteStatementCommand).callsFake(async (input) => {
    inCall++;
    maxInCall = Math.max(maxInCall, inCall);
    await sleep(delayMs);
    inCall--;
    for (const item of input.Statements) written.push(item.Parameters[1]);
    return { Responses: input.Statements.map(() => ({})) };
  });
  return { written, maxInCall: () => maxInCall };
}

describe('BatchStatementWriter', () => {
  it('retries throttled statements for as long as the run may, then counts what is left as lost', async () => {
    // Prepare: DynamoDB throttles every statement of the first 8 calls.
    let calls = 0;
    dynamodb.on(BatchExecuteStatementCommand).callsFake(async (input) => {
      calls++;
      return {
        Responses: input.Statements.map(() =>
          calls <= 8 ? { Error: { Code: 'ThrottlingError', Message: 'slow down' } } : {},
        ),
      };
    });
    const patient = new BatchStatementWriter({
      documentClient,
      logger: new RecordingLogger(),
      keepRetrying: () => true,
      random: () => 0,
    });
    const fates: string[] = [];

    // Act
    for (let index = 0; index < 10; index++) {
      void patient.add(statement(index), (fate) => fates.push(fate));
    }
    const written = await patient.flush();
    calls = 0;
    let allowed = 2;
    const hurried = new BatchStatementWriter({
      documentClient,
      logger: new RecordingLogger(),
      keepRetrying: () => allowed-- > 0,
      random: () => 0,
    });
    for (let index = 0; index < 10; index++) void hurried.add(statement(index));
    const lost = await hurried.flush();

    // Assess: past the 5 retries of old, and no further than the run allows.
    expect(written).toEqual({ calls: 9, skipped: 0, unrecorded: 0 });
    expect(fates).toEqual(Array(10).fill('written'));
    expect(lost).toEqual({ calls: 3, skipped: 0, unrecorded: 10 });
  });

  it('tells each statement its fate: written, skipped by its condition, or lost', async () => {
    const codes = [undefined, 'ConditionalCheckFailed', 'ValidationError', undefined];
    dynamodb.on(BatchExecuteStatementCommand).callsFake(async (input) => ({
      Responses: input.Statements.map((_: unknown, index: number) =>
        codes[index] ? { Error: { Code: codes[index], Message: 'no' } } : {},
      ),
    }));
    const logger = new RecordingLogger();
    const writer = new BatchStatementWriter({ documentClient, logger, lostMessage: 'Lost marks' });
    const fates: string[] = [];

    for (let index = 0; index < codes.length; index++) {
      void writer.add(statement(index), (fate) => {
        fates[index] = fate;
      });
    }
    const summary = await writer.flush();

    expect(fates).toEqual(['written', 'skipped', 'unrecorded', 'written']);
    expect(summary).toEqual({ calls: 1, skipped: 1, unrecorded: 1 });
    expect(logger.messages('error')).toEqual(['Lost marks']);
  });

  it('writes every statement exactly once, 25 per call', async () => {
    const table = slowTable(1);
    const writer = new BatchStatementWriter({ documentClient, logger: new RecordingLogger() });

    for (let index = 0; index < 1_010; index++) await writer.add(statement(index));
    const summary = await writer.flush();

    expect(table.written.toSorted()).toEqual(
      Array.from({ length: 1_010 }, (_, index) => `c-${index}`).toSorted(),
    );
    expect(summary).toEqual({ calls: 41, skipped: 0, unrecorded: 0 });
  });

  it('never has more batches in flight than allowed, however fast statements arrive', async () => {
    const table = slowTable(20);
    const writer = new BatchStatementWriter({
      documentClient,
      logger: new RecordingLogger(),
      maxBatchesInFlight: 4,
    });
    let held = 0;

    // 100 workers adding as fast as they can, as the posting side does with 100 in flight.
    await Promise.all(
      Array.from({ length: 100 }, async (_, worker) => {
        for (let index = worker; index < 5_000; index += 100) {
          const wait = writer.add(statement(index));
          if (wait) {
            held++;
            await wait;
          }
          expect(writer.batchesInFlight).toBeLessThanOrEqual(4);
        }
      }),
    );
    await writer.flush();

    expect(table.maxInCall()).toBe(4);
    expect(held).toBeGreaterThan(0);
    expect(new Set(table.written).size).toBe(5_000);
    expect(table.written).toHaveLength(5_000);
  });

  it('does not hold the caller while there is room', async () => {
    slowTable(1);
    const writer = new BatchStatementWriter({ documentClient, logger: new RecordingLogger() });

    const waits = Array.from({ length: 49 }, (_, index) => writer.add(statement(index)));

    expect(waits.every((wait) => wait === undefined)).toBe(true);
    await writer.flush();
  });

  it('retries the statements the table asks to retry and counts the lost and the skipped', async () => {
    let call = 0;
    dynamodb.on(BatchExecuteStatementCommand).callsFake(async (input) => {
      call++;
      return {
        Responses: input.Statements.map((_: Statement, index: number) => {
          if (call > 1) return {};
          if (index === 0) return { Error: { Code: 'ConditionalCheckFailed' } };
          if (index === 1) return { Error: { Code: 'ValidationError', Message: 'bad' } };
          if (index === 2) return { Error: { Code: 'ThrottlingError' } };
          return {};
        }),
      };
    });
    const logger = new RecordingLogger();
    const writer = new BatchStatementWriter({ documentClient, logger, random: () => 0 });

    for (let index = 0; index < 3; index++) await writer.add(statement(index));
    const summary = await writer.flush();

    // The retry carries only the throttled statement, which then goes through.
    expect(
      dynamodb.commandCalls(BatchExecuteStatementCommand)[1]?.args[0].input.Statements,
    ).toEqual([statement(2)]);
    expect(summary).toEqual({ calls: 2, skipped: 1, unrecorded: 1 });
    expect(logger.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('gives up nothing while the run has time, under whole-call throttles, 500s and throttled statements at once', async () => {
    // Prepare: for its first 60 calls DynamoDB answers, in turn, a throttled call (the SDK's
    // own retries used up), a 500, and a batch whose every other statement is throttled: the
    // SDK's exception classes, as they reach the writer after its retries.
    let calls = 0;
    const written = new Set<string>();
    dynamodb.on(BatchExecuteStatementCommand).callsFake(async (input) => {
      calls++;
      if (calls <= 60 && calls % 3 === 1) {
        throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      }
      if (calls <= 60 && calls % 3 === 2) {
        throw new InternalServerError({ message: 'oops', $metadata: { httpStatusCode: 500 } });
      }
      return {
        Responses: input.Statements.map((item: Statement, index: number) => {
          if (calls <= 60 && index % 2 === 0) return { Error: { Code: 'ThrottlingError' } };
          written.add(String(item.Parameters?.[1]));
          return {};
        }),
      };
    });
    const writer = new BatchStatementWriter({
      documentClient,
      logger: new RecordingLogger(),
      keepRetrying: () => true,
      random: () => 0,
    });

    // Act
    for (let index = 0; index < 200; index++) await writer.add(statement(index));
    const summary = await writer.flush();

    // Assess: every one written, none given up.
    expect(summary.unrecorded).toBe(0);
    expect(written.size).toBe(200);
    expect(calls).toBeGreaterThan(60);
  });
});

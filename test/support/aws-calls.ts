import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RecordedCall } from '../../functions/aws/call-recording.js';
import { projectRoot } from '../../scripts/lib/local-stack.js';

// Where the end-to-end tests leave the AWS calls their stack's functions made
// (functions/aws/call-recording.ts): one file per test file, `.aws-calls/{name}.jsonl`, written
// afresh each time that file runs. The IAM check (test/iam) reads them all.

export const awsCallsFolder = path.join(projectRoot, '.aws-calls');

/** The variable that turns recording on, for a stack started by `testFile`; its old file removed. */
export async function awsCallRecording(testFile: string): Promise<Record<string, string>> {
  await mkdir(awsCallsFolder, { recursive: true });
  const file = path.join(awsCallsFolder, `${path.basename(testFile).replace(/\.ts$/, '')}.jsonl`);
  await rm(file, { force: true });
  return { WS_CHANNELS_RECORD_AWS_CALLS: file };
}

/** Every recorded call, by the name of the test file that recorded it. */
export async function readRecordedCalls(): Promise<Record<string, RecordedCall[]>> {
  const files = (await readdir(awsCallsFolder).catch(() => [])).filter((name) =>
    name.endsWith('.jsonl'),
  );
  const calls: Record<string, RecordedCall[]> = {};
  for (const name of files) {
    const text = await readFile(path.join(awsCallsFolder, name), 'utf8');
    calls[name.replace(/\.jsonl$/, '')] = text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as RecordedCall);
  }
  return calls;
}

import { appendFileSync } from 'node:fs';
import type { BuildMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { type Environment, readCallRecording } from '../config/read-config.js';

// For the IAM check of the end-to-end tests (docs/contributing.md, "The two security checks"):
// with WS_CHANNELS_RECORD_AWS_CALLS naming a file, every AWS call the functions make is appended
// to it as one JSON line, the calling function, the SDK command and its input, and the test
// evaluates each against that function's role. The variable is read when a client is made;
// unset, as in every deployment, the client is left as it is: no middleware, no cost per call.

export interface RecordedCall {
  /** AWS_LAMBDA_FUNCTION_NAME of the function that made the call. */
  function: string;
  /** The SDK client's name, e.g. DynamoDBClient. */
  client: string;
  /** The SDK command's name, e.g. PutItemCommand. */
  command: string;
  /** The command's input as sent (DynamoDB's marshalled); binary data as its byte length. */
  input: unknown;
}

/** Appends one call to the recording, or nothing when recording is off. */
export type CallRecorder = (call: Omit<RecordedCall, 'function'>) => void;

/** The recorder of this process, or undefined when WS_CHANNELS_RECORD_AWS_CALLS is unset. */
export function callRecorder(environment?: Environment): CallRecorder | undefined {
  const recording = readCallRecording(environment);
  if (!recording) return undefined;
  return (call) => {
    const line = JSON.stringify({ function: recording.functionName, ...call }, binaryAsLength);
    appendFileSync(recording.file, `${line}\n`);
  };
}

/** A message's bytes as their count: a Buffer reaches a replacer as its toJSON(). */
function binaryAsLength(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: value.byteLength };
  const buffer = value as { type?: unknown; data?: unknown } | null;
  if (buffer?.type === 'Buffer' && Array.isArray(buffer.data)) return { bytes: buffer.data.length };
  return value;
}

/** The client, recording every command it sends when recording is on. */
export function recordCalls<
  Input extends object,
  Output extends MetadataBearer,
  C extends { middlewareStack: MiddlewareStack<Input, Output> },
>(client: C & { middlewareStack: MiddlewareStack<Input, Output> }, environment?: Environment): C {
  const record = callRecorder(environment);
  if (!record) return client;
  const middleware: BuildMiddleware<Input, Output> = (next, context) => (args) => {
    record({
      client: String(context.clientName),
      command: String(context.commandName),
      input: args.input,
    });
    return next(args);
  };
  client.middlewareStack.add(middleware, { step: 'build', name: 'wsChannelsCallRecording' });
  return client;
}

import type { InvalidEventError } from '../errors.js';
import {
  maxConcurrency,
  maxConnectionIdBytes,
  maxConnectionIds,
  type RunRequest,
} from './types.js';

// The fields a manual event may carry (the console's Test tab, `aws lambda invoke`), checked the
// same way wherever they come in: a manual event, or the request a hand-over passes on.

export const allowedFields = {
  dryRun: 'true or false',
  connectionIds: `an array of 1 to ${maxConnectionIds} connection ids (non-empty strings of at most ${maxConnectionIdBytes} bytes)`,
  timeoutMs: 'a whole number of milliseconds from 10 to 60000',
  concurrency: `a whole number from 1 to ${maxConcurrency}`,
  runId: 'the id the run takes: 1 to 128 letters, digits, ".", "_", ":" or "-", not yet used',
} as const;

/** A run id a caller may choose: never the Runs table's other items (`lease#...`, `hook#...`). */
const runIdForm = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export type ManualField = keyof typeof allowedFields;

export const allowedList = Object.entries(allowedFields)
  .map(([field, expected]) => `${field} (${expected})`)
  .join(', ');

export const emptyRequest: RunRequest = {
  dryRun: false,
  connectionIds: undefined,
  timeoutMs: undefined,
  concurrency: undefined,
  runId: undefined,
};

/** Makes the error for one problem: each kind of event says what it expected. */
export type Invalid = (problem: string) => InvalidEventError;

/** The request fields of `fields`, each checked; unknown fields are the caller's to refuse. */
export function requestOf(fields: Record<string, unknown>, invalid: Invalid): RunRequest {
  const wholeNumber = (field: ManualField, value: unknown, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw invalid(`${field} is ${JSON.stringify(value)}; expected ${allowedFields[field]}`);
    }
    return value;
  };
  return {
    dryRun: dryRunOf(fields.dryRun, invalid),
    connectionIds:
      fields.connectionIds === undefined
        ? undefined
        : connectionIdsOf(fields.connectionIds, invalid),
    timeoutMs:
      fields.timeoutMs === undefined
        ? undefined
        : wholeNumber('timeoutMs', fields.timeoutMs, 10, 60_000),
    concurrency:
      fields.concurrency === undefined
        ? undefined
        : wholeNumber('concurrency', fields.concurrency, 1, maxConcurrency),
    runId: fields.runId === undefined ? undefined : runIdOf(fields.runId, invalid),
  };
}

function runIdOf(value: unknown, invalid: Invalid): string {
  if (typeof value !== 'string' || !runIdForm.test(value)) {
    throw invalid(`runId is ${JSON.stringify(value)}; expected ${allowedFields.runId}`);
  }
  return value;
}

export function dryRunOf(value: unknown, invalid: Invalid): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw invalid(`dryRun is ${JSON.stringify(value)}; expected ${allowedFields.dryRun}`);
  }
  return value;
}

function connectionIdsOf(value: unknown, invalid: Invalid): readonly string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxConnectionIds) {
    const shown = JSON.stringify(value);
    throw invalid(
      `connectionIds is ${shown.length > 80 ? `${shown.slice(0, 80)}...` : shown}; expected ${allowedFields.connectionIds}`,
    );
  }
  value.forEach((id: unknown, index) => {
    // An id DynamoDB would refuse as a key would fail the run with its raw error: say which.
    if (typeof id !== 'string' || id.length === 0) {
      throw invalid(
        `connectionIds[${index}] is ${JSON.stringify(id)}; expected a non-empty string`,
      );
    }
    const bytes = Buffer.byteLength(id, 'utf8');
    if (bytes > maxConnectionIdBytes) {
      throw invalid(
        `connectionIds[${index}] is ${bytes} bytes long in UTF-8; a DynamoDB key takes at most ${maxConnectionIdBytes} bytes`,
      );
    }
  });
  return [...new Set(value as string[])];
}

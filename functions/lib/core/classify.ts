import { causeOf, errorCodeOf, errorMessageOf, errorNameOf, httpStatusOf } from './sdk-error.js';

// What one post to one connection came to. Classified on the SDK's error fields, not on
// `instanceof`: serverless-offline answers 410 with an empty body, which the SDK surfaces as an
// error named `Unknown` that carries only `$metadata.httpStatusCode`.

export type FailureReason = 'gone' | 'timedOut' | 'throttled' | 'forbidden' | 'tooLarge' | 'failed';

export interface PostFailure {
  reason: FailureReason;
  /** The error's name (`GoneException`, `TimeoutError`, `Unknown`...). */
  name: string;
  status: number | undefined;
  message: string;
}

/** Our own per-post timeout fired (the abort reason we give the post's signal). */
export class PostTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
    this.name = 'PostTimeoutError';
  }
}

const timeoutNames = new Set(['PostTimeoutError', 'TimeoutError', 'AbortError', 'RequestTimeout']);
const timeoutCodes = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNRESET_TIMEOUT']);

export function classifyPostError(error: unknown): PostFailure {
  const name = errorNameOf(error) ?? 'Error';
  const message = errorMessageOf(error) ?? String(error);
  const status = httpStatusOf(error);
  const failure = (reason: FailureReason): PostFailure => ({ reason, name, status, message });

  if (status === 410 || name === 'GoneException') return failure('gone');
  if (status === 429 || name === 'LimitExceededException' || name === 'TooManyRequestsException') {
    return failure('throttled');
  }
  if (status === 403 || name === 'ForbiddenException' || name === 'AccessDeniedException') {
    return failure('forbidden');
  }
  if (status === 413 || name === 'PayloadTooLargeException') return failure('tooLarge');
  // A timeout has no HTTP status: the request never got an answer.
  if (status === undefined) {
    const code = errorCodeOf(error) ?? '';
    const causeName = errorNameOf(causeOf(error)) ?? '';
    if (timeoutNames.has(name) || timeoutCodes.has(code) || timeoutNames.has(causeName)) {
      return failure('timedOut');
    }
  }
  return failure('failed');
}

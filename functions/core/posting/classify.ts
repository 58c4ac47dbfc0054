import { causeOf, errorCodeOf, errorMessageOf, errorNameOf, httpStatusOf } from '../sdk-error.js';

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
/**
 * The HTTP connection to the Management API broke. Not a timeout: it says nothing of the client's
 * connection (edeliver's ResumeChannels counts noproc or timeout), so a run of resets is `errors`, never
 * `not_supported`. @smithy/node-http-handler renames these errors `TimeoutError` (so that its
 * retry strategy retries them): the code is what tells them apart.
 */
const resetCodes = new Set(['ECONNRESET', 'EPIPE']);

/**
 * What `lastError` and the failure sample call the error. Node's system errors are plain `Error`s
 * that only their `code` (`ECONNRESET`, `ECONNREFUSED`...) tells apart.
 */
function failureNameOf(error: unknown, code: string | undefined): string {
  const name = errorNameOf(error);
  if (code !== undefined && (name === undefined || name === 'Error' || resetCodes.has(code))) {
    return code;
  }
  return name ?? 'Error';
}

export function classifyPostError(error: unknown): PostFailure {
  const code = errorCodeOf(error);
  const name = failureNameOf(error, code);
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
  if (status === undefined && !resetCodes.has(code ?? '')) {
    const causeName = errorNameOf(causeOf(error)) ?? '';
    if (timeoutNames.has(name) || timeoutCodes.has(code ?? '') || timeoutNames.has(causeName)) {
      return failure('timedOut');
    }
  }
  return failure('failed');
}

// Reads the fields AWS SDK v3 errors carry, from any thrown value. Structural on purpose, not
// `instanceof`: serverless-offline answers 410 with an empty body, which the SDK surfaces as an
// error named `Unknown` that carries only `$metadata.httpStatusCode`; and the core may not import
// `@aws-sdk/*`. Every reader answers `undefined` (or false) for a field that is missing or of
// the wrong type, so a thrown string, null or plain object is never an error of its own.

interface SdkErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
  cause?: unknown;
}

function fieldsOf(error: unknown): SdkErrorFields {
  return typeof error === 'object' && error !== null ? (error as SdkErrorFields) : {};
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `GoneException`, `ConditionalCheckFailedException`, `TimeoutError`, `Unknown`... */
export function errorNameOf(error: unknown): string | undefined {
  return stringOrUndefined(fieldsOf(error).name);
}

export function errorMessageOf(error: unknown): string | undefined {
  return stringOrUndefined(fieldsOf(error).message);
}

/** A Node system error code (`ETIMEDOUT`, `ECONNRESET`...), set by the HTTP layer. */
export function errorCodeOf(error: unknown): string | undefined {
  return stringOrUndefined(fieldsOf(error).code);
}

/** The error this one wraps (`new Error(message, { cause })`): a timeout may hide there. */
export function causeOf(error: unknown): unknown {
  return fieldsOf(error).cause;
}

/** Whose fault the SDK says it is: the request's (`client`) or the service's (`server`). */
export function faultOf(error: unknown): 'client' | 'server' | undefined {
  const fault = fieldsOf(error).$fault;
  return fault === 'client' || fault === 'server' ? fault : undefined;
}

/**
 * The HTTP status of the answer, from `$metadata` (set by the SDK on every service error) or else
 * `$response` (the raw answer, when the body could not be read as an error).
 */
export function httpStatusOf(error: unknown): number | undefined {
  const fields = fieldsOf(error);
  const status = fields.$metadata?.httpStatusCode ?? fields.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The SDK marks throttling and transient errors with `$retryable` (`{ throttling }` or `{}`). */
export function isRetryable(error: unknown): boolean {
  return Boolean(fieldsOf(error).$retryable);
}

/** A DynamoDB write whose condition did not hold: an expected outcome, not a failure. */
export function isConditionFailure(error: unknown): boolean {
  return errorNameOf(error) === 'ConditionalCheckFailedException';
}

/** Throttling, by the names AWS services give it (the SDK retries these by name, too). */
const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionInProgressException',
  'LimitExceededException',
]);
/** The connection to the service broke or timed out: the request may go through next time. */
const transientCodes = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN']);

/**
 * Whether an error that reached us after the SDK's own retries may still go away: throttling (by
 * name: `$retryable` is set only for errors the service models as retryable, and DynamoDB's
 * ProvisionedThroughputExceededException is not among them), a fault of the service (5xx), or a
 * broken or timed-out connection. A client's own mistake (4xx, a condition) is final.
 */
export function isTransient(error: unknown): boolean {
  if (isRetryable(error)) return true;
  const name = errorNameOf(error);
  if (name !== undefined && (throttlingNames.has(name) || name === 'TimeoutError')) return true;
  if (faultOf(error) === 'server') return true;
  const status = httpStatusOf(error);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return transientCodes.has(errorCodeOf(error) ?? '');
}

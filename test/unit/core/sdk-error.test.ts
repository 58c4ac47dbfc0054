import { GoneException, LimitExceededException } from '@aws-sdk/client-apigatewaymanagementapi';
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ReplicatedWriteConflictException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  causeOf,
  errorCodeOf,
  errorMessageOf,
  errorNameOf,
  faultOf,
  httpStatusOf,
  isConditionFailure,
  isRetryable,
  isTransient,
} from '../../../functions/core/sdk-error.js';

// The fields of AWS SDK v3 errors, read from the SDK's real exception classes and from what
// serverless-offline throws: a 410 with no body, which the SDK surfaces as a bare `Unknown`.

const metadata = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });

const conditionFailed = () =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: metadata(400),
  });
const gone = () => new GoneException({ message: 'Gone', $metadata: metadata(410) });
const limitExceeded = () =>
  new LimitExceededException({ message: 'Rate exceeded', $metadata: metadata(429) });
/** serverless-offline's 410: no error type, so only the status says what it is. */
const offlineGone = () => ({ name: 'Unknown', $metadata: { httpStatusCode: 410 } });

describe('errorNameOf', () => {
  it('reads the name of real SDK exceptions and of the serverless-offline 410', () => {
    expect(errorNameOf(conditionFailed())).toBe('ConditionalCheckFailedException');
    expect(errorNameOf(gone())).toBe('GoneException');
    expect(errorNameOf(limitExceeded())).toBe('LimitExceededException');
    expect(errorNameOf(offlineGone())).toBe('Unknown');
  });

  it('reads an inherited name, as a plain Error has', () => {
    expect(errorNameOf(new Error('x'))).toBe('Error');
  });

  it.each([
    ['a string', 'GoneException'],
    ['null', null],
    ['undefined', undefined],
    ['an object without a name', { message: 'm' }],
    ['a name that is not a string', { name: 410 }],
  ])('answers undefined for %s', (_label, thrown) => {
    expect(errorNameOf(thrown)).toBeUndefined();
  });
});

describe('errorMessageOf, errorCodeOf, causeOf', () => {
  it('reads the message of a real SDK exception', () => {
    expect(errorMessageOf(gone())).toBe('Gone');
  });

  it('answers undefined for a missing or non-string message and code', () => {
    expect(errorMessageOf(offlineGone())).toBeUndefined();
    expect(errorMessageOf({ message: 42 })).toBeUndefined();
    expect(errorMessageOf('boom')).toBeUndefined();
    expect(errorCodeOf(gone())).toBeUndefined();
    expect(errorCodeOf({ code: 110 })).toBeUndefined();
  });

  it('reads the code of a Node system error and the error it wraps', () => {
    // Prepare
    const socketError = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
    const wrapped = new Error('request failed', { cause: socketError });

    // Act and Assess
    expect(errorCodeOf(socketError)).toBe('ETIMEDOUT');
    expect(causeOf(wrapped)).toBe(socketError);
    expect(causeOf(gone())).toBeUndefined();
    expect(causeOf(null)).toBeUndefined();
  });
});

describe('faultOf', () => {
  it("reads the SDK's client or server fault", () => {
    expect(faultOf(conditionFailed())).toBe('client');
    expect(faultOf({ name: 'InternalServerError', $fault: 'server' })).toBe('server');
  });

  it('answers undefined when there is no fault or it is of another kind', () => {
    expect(faultOf(offlineGone())).toBeUndefined();
    expect(faultOf({ $fault: 'nobody' })).toBeUndefined();
  });
});

describe('httpStatusOf', () => {
  it('reads $metadata.httpStatusCode of real SDK exceptions and the serverless-offline 410', () => {
    expect(httpStatusOf(gone())).toBe(410);
    expect(httpStatusOf(limitExceeded())).toBe(429);
    expect(httpStatusOf(conditionFailed())).toBe(400);
    expect(httpStatusOf(offlineGone())).toBe(410);
  });

  it('falls back on $response.statusCode when $metadata has no status', () => {
    expect(httpStatusOf({ $metadata: {}, $response: { statusCode: 502 } })).toBe(502);
  });

  it('prefers $metadata over $response', () => {
    expect(
      httpStatusOf({ $metadata: { httpStatusCode: 410 }, $response: { statusCode: 500 } }),
    ).toBe(410);
  });

  it.each([
    ['a real exception built without a status', new GoneException({ message: 'm', $metadata: {} })],
    ['a status that is a string', { $metadata: { httpStatusCode: '410' } }],
    ['a thrown string', 'status 410'],
    ['null', null],
  ])('answers undefined for %s', (_label, thrown) => {
    expect(httpStatusOf(thrown)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it('is true for an exception the SDK marks $retryable, even with an empty trait', () => {
    // Prepare: DynamoDB marks this one `$retryable = {}`.
    const error = new ReplicatedWriteConflictException({
      message: 'conflict',
      $metadata: metadata(400),
    });

    // Act and Assess
    expect(isRetryable(error)).toBe(true);
    expect(isRetryable({ name: 'ThrottlingException', $retryable: { throttling: true } })).toBe(
      true,
    );
  });

  it.each([
    ['a ConditionalCheckFailedException', conditionFailed()],
    ['a ResourceNotFoundException', new ResourceNotFoundException({ message: 'm', $metadata: {} })],
    ["serverless-offline's 410", offlineGone()],
    ['an explicit undefined', { $retryable: undefined }],
    ['null', null],
  ])('is false for %s', (_label, thrown) => {
    expect(isRetryable(thrown)).toBe(false);
  });
});

describe('isTransient', () => {
  it.each([
    [
      "DynamoDB's ProvisionedThroughputExceededException (no $retryable)",
      new ProvisionedThroughputExceededException({
        message: 'slow down',
        $metadata: metadata(400),
      }),
    ],
    [
      "DynamoDB's InternalServerError (a 500, no $retryable)",
      new InternalServerError({ message: 'oops', $metadata: metadata(500) }),
    ],
    ['a 503 by its status alone', { name: 'Unknown', $metadata: { httpStatusCode: 503 } }],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['the SDK timing a request out', { name: 'TimeoutError' }],
    ['a $retryable error', { name: 'Anything', $retryable: {} }],
  ])('is true for %s', (_label, thrown) => {
    expect(isTransient(thrown)).toBe(true);
  });

  it.each([
    ['a ConditionalCheckFailedException', conditionFailed()],
    ['a ResourceNotFoundException', new ResourceNotFoundException({ message: 'm', $metadata: {} })],
    [
      'a ValidationException',
      { name: 'ValidationException', $fault: 'client', $metadata: metadata(400) },
    ],
    ['null', null],
  ])('is false for %s', (_label, thrown) => {
    expect(isTransient(thrown)).toBe(false);
  });
});

describe('isConditionFailure', () => {
  it('is true for the real ConditionalCheckFailedException and one shaped like it', () => {
    expect(isConditionFailure(conditionFailed())).toBe(true);
    expect(isConditionFailure({ name: 'ConditionalCheckFailedException' })).toBe(true);
  });

  it.each([
    ['a GoneException', gone()],
    ['a LimitExceededException', limitExceeded()],
    ["serverless-offline's 410", offlineGone()],
    ['the name thrown as a string', 'ConditionalCheckFailedException'],
    ['undefined', undefined],
  ])('is false for %s', (_label, thrown) => {
    expect(isConditionFailure(thrown)).toBe(false);
  });
});

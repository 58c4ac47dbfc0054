import {
  ForbiddenException,
  GoneException,
  LimitExceededException,
  PayloadTooLargeException,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { describe, expect, it } from 'vitest';
import {
  classifyPostError,
  PostTimeoutError,
} from '../../../../functions/core/posting/classify.js';
import { httpStatusOf } from '../../../../functions/core/sdk-error.js';

/** An error shaped like the ones the SDK throws: a name, a message and `$metadata`. */
function sdkLikeError(name: string, status: number | undefined, message = `${name} message`) {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, { $metadata: { httpStatusCode: status, attempts: 1 } });
}

describe('classifyPostError: gone (410)', () => {
  it('classifies an SDK-like GoneException as gone, keeping name, status and message', () => {
    const error = sdkLikeError('GoneException', 410, 'The connection is gone');

    const failure = classifyPostError(error);

    expect(failure).toEqual({
      reason: 'gone',
      name: 'GoneException',
      status: 410,
      message: 'The connection is gone',
    });
  });

  it("classifies serverless-offline's empty-bodied 410 (an `Unknown` error with only $metadata) as gone", () => {
    // Prepare: what the SDK surfaces when the 410 has no body to deserialize.
    const error = Object.assign(new Error('UnknownError'), {
      name: 'Unknown',
      $metadata: { httpStatusCode: 410 },
    });

    // Act
    const failure = classifyPostError(error);

    // Assess
    expect(failure.reason).toBe('gone');
    expect(failure.name).toBe('Unknown');
    expect(failure.status).toBe(410);
  });

  it('classifies a plain object with only $metadata.httpStatusCode 410 as gone', () => {
    const failure = classifyPostError({ $metadata: { httpStatusCode: 410 } });

    expect(failure.reason).toBe('gone');
    expect(failure.name).toBe('Error');
    expect(failure.status).toBe(410);
  });

  it('classifies a GoneException by name even without a status', () => {
    const error = new Error('gone');
    error.name = 'GoneException';

    const failure = classifyPostError(error);

    expect(failure.reason).toBe('gone');
    expect(failure.status).toBeUndefined();
  });

  it('reads the status from $response.statusCode when $metadata has none', () => {
    const error = { name: 'Unknown', message: 'x', $response: { statusCode: 410 } };

    expect(httpStatusOf(error)).toBe(410);
    expect(classifyPostError(error).reason).toBe('gone');
  });
});

describe('classifyPostError: real SDK exception instances', () => {
  it.each([
    [
      'GoneException',
      () => new GoneException({ message: 'gone', $metadata: { httpStatusCode: 410 } }),
      'gone',
      410,
    ],
    [
      'LimitExceededException',
      () =>
        new LimitExceededException({ message: 'slow down', $metadata: { httpStatusCode: 429 } }),
      'throttled',
      429,
    ],
    [
      'ForbiddenException',
      () => new ForbiddenException({ message: 'forbidden', $metadata: { httpStatusCode: 403 } }),
      'forbidden',
      403,
    ],
    [
      'PayloadTooLargeException',
      () =>
        new PayloadTooLargeException({ message: 'too large', $metadata: { httpStatusCode: 413 } }),
      'tooLarge',
      413,
    ],
  ] as const)('classifies a %s', (name, build, reason, status) => {
    // Prepare
    const error = build();

    // Act
    const failure = classifyPostError(error);

    // Assess
    expect(failure).toEqual({ reason, name, status, message: error.message });
  });

  it.each([
    ['GoneException', () => new GoneException({ message: 'm', $metadata: {} }), 'gone'],
    [
      'LimitExceededException',
      () => new LimitExceededException({ message: 'm', $metadata: {} }),
      'throttled',
    ],
    [
      'ForbiddenException',
      () => new ForbiddenException({ message: 'm', $metadata: {} }),
      'forbidden',
    ],
    [
      'PayloadTooLargeException',
      () => new PayloadTooLargeException({ message: 'm', $metadata: {} }),
      'tooLarge',
    ],
  ] as const)(
    'classifies a %s by its name when $metadata has no status',
    (_name, build, reason) => {
      const failure = classifyPostError(build());

      expect(failure.reason).toBe(reason);
      expect(failure.status).toBeUndefined();
    },
  );
});

describe('classifyPostError: other HTTP answers', () => {
  it.each([
    ['a 429 status', sdkLikeError('Unknown', 429), 'throttled'],
    [
      'a TooManyRequestsException',
      sdkLikeError('TooManyRequestsException', undefined),
      'throttled',
    ],
    ['a 403 status', sdkLikeError('Unknown', 403), 'forbidden'],
    ['an AccessDeniedException', sdkLikeError('AccessDeniedException', undefined), 'forbidden'],
    ['a 413 status', sdkLikeError('Unknown', 413), 'tooLarge'],
  ] as const)('classifies %s as %s', (_label, error, reason) => {
    expect(classifyPostError(error).reason).toBe(reason);
  });

  it('classifies a 500 as failed, keeping its name, status and message', () => {
    const error = sdkLikeError('InternalServerError', 500, 'Internal server error');

    const failure = classifyPostError(error);

    expect(failure).toEqual({
      reason: 'failed',
      name: 'InternalServerError',
      status: 500,
      message: 'Internal server error',
    });
  });

  it('does not take an answered request for a timeout, whatever its name', () => {
    // A status means an answer came back: a 504 named TimeoutError is a failure, not a timeout.
    const failure = classifyPostError(sdkLikeError('TimeoutError', 504));

    expect(failure.reason).toBe('failed');
    expect(failure.status).toBe(504);
  });
});

describe('classifyPostError: timeouts', () => {
  it('classifies our own PostTimeoutError as timedOut', () => {
    const failure = classifyPostError(new PostTimeoutError(1000));

    expect(failure).toEqual({
      reason: 'timedOut',
      name: 'PostTimeoutError',
      status: undefined,
      message: 'No answer within 1000 ms',
    });
  });

  it('classifies an abort error (an aborted signal without a reason) as timedOut', () => {
    // Prepare: the DOMException an AbortController gives when aborted without a reason.
    const controller = new AbortController();
    controller.abort();
    const reason: unknown = controller.signal.reason;

    // Act
    const failure = classifyPostError(reason);

    // Assess
    expect(failure.name).toBe('AbortError');
    expect(failure.reason).toBe('timedOut');
  });

  it.each([
    ['a TimeoutError', sdkLikeError('TimeoutError', undefined)],
    ['a RequestTimeout', sdkLikeError('RequestTimeout', undefined)],
    ['an ETIMEDOUT code', Object.assign(new Error('socket'), { code: 'ETIMEDOUT' })],
    ['an ESOCKETTIMEDOUT code', Object.assign(new Error('socket'), { code: 'ESOCKETTIMEDOUT' })],
    [
      'an error caused by a PostTimeoutError',
      new Error('request aborted', { cause: new PostTimeoutError(50) }),
    ],
  ])('classifies %s as timedOut', (_label, error) => {
    expect(classifyPostError(error).reason).toBe('timedOut');
  });
});

describe('classifyPostError: a reset connection to the Management API', () => {
  it.each([
    ['ECONNRESET', 'socket hang up'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['EPIPE', 'write EPIPE'],
  ])('classifies a %s (%s) as failed, named by its code', (code, message) => {
    // Node's HTTP client rejects with a plain Error that only its code tells apart.
    const error = Object.assign(new Error(message), { code });

    expect(classifyPostError(error)).toEqual({
      reason: 'failed',
      name: code,
      status: undefined,
      message,
    });
  });

  it("classifies the SDK's reset, which it renames TimeoutError to retry it, as failed", () => {
    // @smithy/node-http-handler renames ECONNRESET, EPIPE and ETIMEDOUT errors TimeoutError.
    const error = Object.assign(new Error('socket hang up'), {
      name: 'TimeoutError',
      code: 'ECONNRESET',
    });

    expect(classifyPostError(error)).toMatchObject({ reason: 'failed', name: 'ECONNRESET' });
  });

  it('names any plain Error with a system code by the code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3001'), {
      code: 'ECONNREFUSED',
    });

    expect(classifyPostError(error)).toMatchObject({ reason: 'failed', name: 'ECONNREFUSED' });
  });

  it("keeps a named error's name when it has a code too", () => {
    const error = Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' });

    expect(classifyPostError(error)).toMatchObject({ reason: 'timedOut', name: 'AbortError' });
  });
});

describe('classifyPostError: anything else', () => {
  it('classifies a plain Error as failed', () => {
    const failure = classifyPostError(new Error('boom'));

    expect(failure).toEqual({
      reason: 'failed',
      name: 'Error',
      status: undefined,
      message: 'boom',
    });
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
  ])('classifies a thrown %s as failed, with the value as its message', (_label, thrown, text) => {
    const failure = classifyPostError(thrown);

    expect(failure).toEqual({ reason: 'failed', name: 'Error', status: undefined, message: text });
  });

  it('ignores a status that is not a number', () => {
    const error = { name: 'Weird', message: 'm', $metadata: { httpStatusCode: '410' } };

    expect(httpStatusOf(error)).toBeUndefined();
    expect(classifyPostError(error).reason).toBe('failed');
  });
});

import { describe, expect, it } from 'vitest';
import { InvalidEventError } from '../../../../functions/core/errors.js';
import {
  hookOf,
  maxConcurrency,
  maxConnectionIds,
  parseInvocation,
} from '../../../../functions/core/invocation/parse.js';

const hookEvent = {
  DeploymentId: 'd-ABC123XYZ',
  LifecycleEventHookExecutionId: 'eyJlbmNyeXB0ZWREYXRhIjoi',
};

const allowedFields = ['dryRun', 'connectionIds', 'timeoutMs', 'concurrency'];

/** Parses the event, expecting an InvalidEventError; returns its message. */
function rejection(event: unknown): string {
  try {
    parseInvocation(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    return (error as Error).message;
  }
  throw new Error(`Expected ${JSON.stringify(event)} to be rejected`);
}

describe('parseInvocation: CodeDeploy hook events', () => {
  it('reads a hook event as a codedeploy trigger with both ids', () => {
    const invocation = parseInvocation(hookEvent);

    expect(invocation).toEqual({
      trigger: 'codedeploy',
      hook: {
        deploymentId: 'd-ABC123XYZ',
        lifecycleEventHookExecutionId: 'eyJlbmNyeXB0ZWREYXRhIjoi',
      },
      request: {
        dryRun: false,
        connectionIds: undefined,
        timeoutMs: undefined,
        concurrency: undefined,
      },
    });
  });

  it('accepts dryRun on a hook event, to try a hook by hand', () => {
    const invocation = parseInvocation({ ...hookEvent, dryRun: true });

    expect(invocation.trigger).toBe('codedeploy');
    expect(invocation.request.dryRun).toBe(true);
  });

  it('rejects a hook event without LifecycleEventHookExecutionId, naming it', () => {
    const message = rejection({ DeploymentId: 'd-ABC123XYZ' });

    expect(message).toMatch(/LifecycleEventHookExecutionId/);
  });

  it('rejects a hook event without DeploymentId, naming it', () => {
    const message = rejection({ LifecycleEventHookExecutionId: 'h-1' });

    expect(message).toMatch(/DeploymentId is missing/);
  });

  it.each([
    ['an empty DeploymentId', { ...hookEvent, DeploymentId: '' }, 'DeploymentId'],
    [
      'a numeric LifecycleEventHookExecutionId',
      { ...hookEvent, LifecycleEventHookExecutionId: 7 },
      'LifecycleEventHookExecutionId',
    ],
  ])('rejects a hook event with %s', (_label, event, field) => {
    expect(rejection(event)).toContain(field);
  });

  it('rejects a hook event with an extra unknown field, naming it', () => {
    const message = rejection({ ...hookEvent, connectionIds: ['a'] });

    expect(message).toMatch(/Unknown field "connectionIds" in a CodeDeploy hook event/);
  });

  it('rejects a hook event with a dryRun that is not a boolean', () => {
    expect(rejection({ ...hookEvent, dryRun: 'yes' })).toMatch(/dryRun is "yes"/);
  });
});

describe('parseInvocation: manual events', () => {
  it.each([
    ['{}', {}],
    ['null', null],
    ['undefined', undefined],
  ])('reads %s as a manual run with the defaults', (_label, event) => {
    const invocation = parseInvocation(event);

    expect(invocation).toEqual({
      trigger: 'manual',
      hook: undefined,
      request: {
        dryRun: false,
        connectionIds: undefined,
        timeoutMs: undefined,
        concurrency: undefined,
      },
    });
  });

  it('accepts every optional field', () => {
    const invocation = parseInvocation({
      dryRun: true,
      connectionIds: ['a=', 'b='],
      timeoutMs: 1_500,
      concurrency: 32,
    });

    expect(invocation).toEqual({
      trigger: 'manual',
      hook: undefined,
      request: { dryRun: true, connectionIds: ['a=', 'b='], timeoutMs: 1_500, concurrency: 32 },
    });
  });

  it('takes the run id an operator command chose, to follow its record', () => {
    expect(parseInvocation({ runId: 'resume-20261207T101500000Z-1a2b3c4d' }).request.runId).toBe(
      'resume-20261207T101500000Z-1a2b3c4d',
    );
  });

  it.each([
    ['the lease item', 'lease#channels'],
    ['an empty id', ''],
    ['a number', 42],
    ['an id of 129 characters', 'r'.repeat(129)],
  ])('rejects a runId that is %s, naming the field and its form', (_label, runId) => {
    const message = rejection({ runId });

    expect(message).toContain(`runId is ${JSON.stringify(runId)}; expected the id the run takes`);
  });

  it('removes duplicate connection ids, keeping the first order', () => {
    const invocation = parseInvocation({ connectionIds: ['b=', 'a=', 'b=', 'c=', 'a='] });

    expect(invocation.request.connectionIds).toEqual(['b=', 'a=', 'c=']);
  });

  it('accepts the bounds of each number and the most connection ids', () => {
    const many = Array.from({ length: maxConnectionIds }, (_, index) => `id${index}`);

    expect(parseInvocation({ timeoutMs: 10 }).request.timeoutMs).toBe(10);
    expect(parseInvocation({ timeoutMs: 60_000 }).request.timeoutMs).toBe(60_000);
    expect(parseInvocation({ concurrency: 1 }).request.concurrency).toBe(1);
    expect(parseInvocation({ concurrency: maxConcurrency }).request.concurrency).toBe(900);
    expect(parseInvocation({ connectionIds: many }).request.connectionIds).toHaveLength(
      maxConnectionIds,
    );
  });

  it('accepts dryRun false', () => {
    expect(parseInvocation({ dryRun: false }).request.dryRun).toBe(false);
  });
});

describe('parseInvocation: bad console events', () => {
  it.each([
    ['an unknown field (wrong case)', { dryrun: true }, 'dryrun'],
    ['an unknown field', { connectionId: 'a=' }, 'connectionId'],
    ['dryRun "yes"', { dryRun: 'yes' }, 'dryRun'],
    ['dryRun 1', { dryRun: 1 }, 'dryRun'],
    ['connectionIds "abc"', { connectionIds: 'abc' }, 'connectionIds'],
    ['connectionIds []', { connectionIds: [] }, 'connectionIds'],
    ['connectionIds [1]', { connectionIds: [1] }, 'connectionIds'],
    ['connectionIds [""]', { connectionIds: [''] }, 'connectionIds'],
    ['connectionIds with a null', { connectionIds: ['a', null] }, 'connectionIds'],
    ['timeoutMs 5', { timeoutMs: 5 }, 'timeoutMs'],
    ['timeoutMs 1.5', { timeoutMs: 1.5 }, 'timeoutMs'],
    ['timeoutMs "100"', { timeoutMs: '100' }, 'timeoutMs'],
    ['timeoutMs 60001', { timeoutMs: 60_001 }, 'timeoutMs'],
    ['concurrency 0', { concurrency: 0 }, 'concurrency'],
    ['concurrency 1000', { concurrency: 1_000 }, 'concurrency'],
    ['concurrency null', { concurrency: null }, 'concurrency'],
  ])(
    'rejects %s with a message naming the field and listing the allowed ones',
    (_label, event, field) => {
      // Act
      const message = rejection(event);

      // Assess
      expect(message.startsWith(field) || message.includes(`"${field}"`)).toBe(true);
      for (const allowed of allowedFields) expect(message).toContain(allowed);
    },
  );

  it('rejects more connection ids than allowed', () => {
    const tooMany = Array.from({ length: maxConnectionIds + 1 }, (_, index) => `id${index}`);

    const message = rejection({ connectionIds: tooMany });

    expect(message).toMatch(/^connectionIds is /);
    // The value shown is cut short, not 10,001 ids long.
    expect(message.length).toBeLessThan(1_000);
  });

  it('rejects a connection id over the 2,048 bytes of a DynamoDB key, naming its index and size', () => {
    // 1,025 characters, 2,050 bytes in UTF-8: the limit is on bytes, not characters.
    const tooLong = 'é'.repeat(1_025);

    const message = rejection({ connectionIds: ['a=', tooLong, 'b='] });

    expect(message).toMatch(/^connectionIds\[1\] is 2050 bytes/);
    expect(message).toContain('2048');
    // The id itself is not repeated in full.
    expect(message).not.toContain(tooLong);
    for (const allowed of allowedFields) expect(message).toContain(allowed);
  });

  it('accepts a connection id of exactly 2,048 bytes', () => {
    const longest = 'é'.repeat(1_024);

    expect(parseInvocation({ connectionIds: [longest] }).request.connectionIds).toEqual([longest]);
  });

  it.each([
    ['an empty id', ['a=', 'b=', ''], 'connectionIds[2] is ""'],
    ['a number', ['a=', 7], 'connectionIds[1] is 7'],
    ['a null', [null], 'connectionIds[0] is null'],
  ])('names the index of %s among the connection ids', (_label, ids, start) => {
    expect(rejection({ connectionIds: ids })).toContain(`${start}; expected a non-empty string`);
  });

  it.each([
    ['concurrency', '0x10'],
    ['concurrency', '1e2'],
    ['timeoutMs', '1000'],
  ])('rejects %s as the string %j: console numbers are JSON numbers', (field, value) => {
    expect(rejection({ [field]: value })).toContain(`${field} is "${value}"; expected a whole`);
  });

  it('shows the bad value in the message', () => {
    expect(rejection({ timeoutMs: '100' })).toContain('timeoutMs is "100"');
    expect(rejection({ concurrency: 1_000 })).toContain('concurrency is 1000');
  });

  it.each([
    ['a string', '{"dryRun": true}', 'string'],
    ['an array', [{ dryRun: true }], 'an array'],
    ['a number', 42, 'number'],
    ['a boolean', true, 'boolean'],
  ])('rejects %s event, saying what it is instead of an object', (_label, event, what) => {
    const message = rejection(event);

    expect(message).toContain(`The event is ${what}, not an object`);
    for (const allowed of allowedFields) expect(message).toContain(allowed);
  });

  it.each([
    ['constructor', '{"constructor": true}'],
    ['toString', '{"toString": "x"}'],
    ['__proto__', '{"__proto__": {"dryRun": true}}'],
  ])('rejects the unknown field %s, even though every object inherits it', (field, json) => {
    // Prepare: the event as Lambda hands it over, parsed from the JSON payload.
    const event: unknown = JSON.parse(json);

    // Act / Assess
    expect(rejection(event)).toContain(`Unknown field "${field}"`);
  });
});

describe('hookOf', () => {
  it('returns the hook of a hook event', () => {
    expect(hookOf(hookEvent)).toEqual({
      deploymentId: 'd-ABC123XYZ',
      lifecycleEventHookExecutionId: 'eyJlbmNyeXB0ZWREYXRhIjoi',
    });
  });

  it('returns the hook even when the rest of the event is invalid', () => {
    // Prepare
    const event = { ...hookEvent, bogus: 1, dryRun: 'yes' };

    // Act / Assess: parsing fails, but the hook can still be told it failed.
    expect(() => parseInvocation(event)).toThrow(InvalidEventError);
    expect(hookOf(event)).toEqual({
      deploymentId: 'd-ABC123XYZ',
      lifecycleEventHookExecutionId: 'eyJlbmNyeXB0ZWREYXRhIjoi',
    });
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'd-ABC'],
    ['a manual event', { dryRun: true }],
    ['half a hook', { DeploymentId: 'd-ABC' }],
    ['a hook with a numeric id', { DeploymentId: 'd-ABC', LifecycleEventHookExecutionId: 1 }],
    ['a hook with an empty DeploymentId', { DeploymentId: '', LifecycleEventHookExecutionId: 'h' }],
    [
      'a hook with an empty LifecycleEventHookExecutionId',
      { DeploymentId: 'd-ABC', LifecycleEventHookExecutionId: '' },
    ],
  ])('returns undefined for %s', (_label, event) => {
    expect(hookOf(event)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import {
  readConnectConfig,
  readRouteConfig,
  readRunConfig,
} from '../../../functions/config/read-config.js';
import { ConfigurationError } from '../../../functions/core/errors.js';

const valid = {
  CONNECTIONS_TABLE: 'connections',
  RUNS_TABLE: 'runs',
  WEBSOCKET_ENDPOINT: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/',
};

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('readRunConfig', () => {
  it('applies the defaults and trims the endpoint', () => {
    expect(readRunConfig(valid)).toEqual({
      connectionsTable: 'connections',
      runsTable: 'runs',
      websocketEndpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod',
      suspendedIndex: 'suspended',
      postTimeoutMs: 1000,
      concurrency: 100,
      maxPostsPerSecond: undefined,
      suspendShards: 16,
      failOnErrorRatio: undefined,
      resumeExpectedWithinMs: 900_000,
    });
  });

  it('reads every optional value', () => {
    const config = readRunConfig({
      ...valid,
      POST_TIMEOUT_MS: '250',
      CONCURRENCY: '200',
      MAX_POSTS_PER_SECOND: '5000',
      SUSPEND_SHARDS: '32',
      FAIL_ON_ERROR_RATIO: '0.05',
      SUSPENDED_INDEX: 'by-shard',
      RESUME_EXPECTED_WITHIN_MS: '5400000',
    });
    expect(config).toMatchObject({
      postTimeoutMs: 250,
      concurrency: 200,
      maxPostsPerSecond: 5000,
      suspendShards: 32,
      failOnErrorRatio: 0.05,
      suspendedIndex: 'by-shard',
      resumeExpectedWithinMs: 5_400_000,
    });
  });

  it('names every problem in one error', () => {
    const problems = problemsOf(() =>
      readRunConfig({
        WEBSOCKET_ENDPOINT: 'ftp://example.com',
        CONCURRENCY: 'many',
        FAIL_ON_ERROR_RATIO: '5',
      }),
    );
    expect(problems).toEqual([
      'CONNECTIONS_TABLE is not set',
      expect.stringMatching(/^WEBSOCKET_ENDPOINT is "ftp:\/\/example.com"; expected https:/),
      'RUNS_TABLE is not set',
      'CONCURRENCY is "many"; expected a whole number from 1 to 900 in decimal digits',
      'FAIL_ON_ERROR_RATIO is "5"; expected a number from 0 to 1 (e.g. 0.05)',
    ]);
  });

  it.each([
    ['CONCURRENCY', '0x10', 'a whole number from 1 to 900'],
    ['CONCURRENCY', '1e2', 'a whole number from 1 to 900'],
    ['CONCURRENCY', '0b11', 'a whole number from 1 to 900'],
    ['CONCURRENCY', '+5', 'a whole number from 1 to 900'],
    ['CONCURRENCY', '5.0', 'a whole number from 1 to 900'],
    ['POST_TIMEOUT_MS', '1e3', 'a whole number from 10 to 60000'],
    ['POST_TIMEOUT_MS', '0o1750', 'a whole number from 10 to 60000'],
    ['MAX_POSTS_PER_SECOND', '0x100', 'a whole number from 1 to 100000'],
    ['SUSPEND_SHARDS', '1_6', 'a whole number from 1 to 256'],
    ['SUSPEND_SHARDS', ' ', 'a whole number from 1 to 256'],
    ['RESUME_EXPECTED_WITHIN_MS', '999', 'a whole number from 1000 to 7200000'],
    ['RESUME_EXPECTED_WITHIN_MS', '7200001', 'a whole number from 1000 to 7200000'],
  ])('rejects %s=%j: whole numbers are plain decimal digits', (name, value, expected) => {
    const problems = problemsOf(() => readRunConfig({ ...valid, [name]: value }));

    expect(problems).toEqual([`${name} is "${value}"; expected ${expected} in decimal digits`]);
  });

  it('reads whole numbers written with leading zeros or around spaces as decimal', () => {
    const config = readRunConfig({ ...valid, CONCURRENCY: '010', SUSPEND_SHARDS: ' 32 ' });

    expect(config).toMatchObject({ concurrency: 10, suspendShards: 32 });
  });

  it.each(['0x1', ' ', 'Infinity', '-0', '1e-2', 'NaN', '0.05.1', '5%'])(
    'rejects FAIL_ON_ERROR_RATIO=%j',
    (value) => {
      const problems = problemsOf(() => readRunConfig({ ...valid, FAIL_ON_ERROR_RATIO: value }));

      expect(problems).toEqual([
        `FAIL_ON_ERROR_RATIO is "${value}"; expected a number from 0 to 1 (e.g. 0.05)`,
      ]);
    },
  );

  it.each([
    ['0.05', 0.05],
    ['0', 0],
    ['1', 1],
    ['.5', 0.5],
    ['1.00', 1],
  ])('reads FAIL_ON_ERROR_RATIO=%j as %d', (value, ratio) => {
    expect(readRunConfig({ ...valid, FAIL_ON_ERROR_RATIO: value }).failOnErrorRatio).toBe(ratio);
  });

  it('takes an empty value as unset', () => {
    const config = readRunConfig({ ...valid, CONCURRENCY: '', FAIL_ON_ERROR_RATIO: '' });

    expect(config).toMatchObject({ concurrency: 100, failOnErrorRatio: undefined });
  });

  it('rejects an AWS endpoint without its stage', () => {
    const problems = problemsOf(() =>
      readRunConfig({
        ...valid,
        WEBSOCKET_ENDPOINT: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/has no stage path/)]);
  });
});

describe('readRouteConfig', () => {
  it('accepts the offline endpoint', () => {
    expect(
      readRouteConfig({ CONNECTIONS_TABLE: 't', WEBSOCKET_ENDPOINT: 'http://localhost:3001' }),
    ).toEqual({ connectionsTable: 't', websocketEndpoint: 'http://localhost:3001' });
  });

  it('names the missing table', () => {
    expect(() => readRouteConfig({ WEBSOCKET_ENDPOINT: 'http://localhost:3001' })).toThrow(
      'Invalid configuration: CONNECTIONS_TABLE is not set',
    );
  });
});

describe('readConnectConfig', () => {
  it('holds new connections during a deployment by default', () => {
    expect(readConnectConfig(valid)).toMatchObject({
      runsTable: 'runs',
      newConnectionsDuringDeployment: 'hold',
    });
  });

  it.each(['hold', 'allow', ' allow '])('takes NEW_CONNECTIONS_DURING_DEPLOYMENT "%s"', (value) => {
    expect(
      readConnectConfig({ ...valid, NEW_CONNECTIONS_DURING_DEPLOYMENT: value })
        .newConnectionsDuringDeployment,
    ).toBe(value.trim());
  });

  it('names the setting, the value and the allowed ones, with every other problem', () => {
    const problems = problemsOf(() =>
      readConnectConfig({
        CONNECTIONS_TABLE: 't',
        WEBSOCKET_ENDPOINT: 'http://localhost:3001',
        NEW_CONNECTIONS_DURING_DEPLOYMENT: 'refuse',
      }),
    );
    expect(problems).toEqual([
      'RUNS_TABLE is not set',
      'NEW_CONNECTIONS_DURING_DEPLOYMENT is "refuse"; expected one of hold, allow',
    ]);
  });
});

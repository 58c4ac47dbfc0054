import { describe, expect, it } from 'vitest';
import { readRouteConfig, readRunConfig } from '../../functions/lib/config.js';
import { ConfigurationError } from '../../functions/lib/errors.js';

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
    });
    expect(config).toMatchObject({
      postTimeoutMs: 250,
      concurrency: 200,
      maxPostsPerSecond: 5000,
      suspendShards: 32,
      failOnErrorRatio: 0.05,
      suspendedIndex: 'by-shard',
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
      'CONCURRENCY is "many"; expected a whole number from 1 to 900',
      'FAIL_ON_ERROR_RATIO is "5"; expected a number from 0 to 1 (e.g. 0.05)',
    ]);
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

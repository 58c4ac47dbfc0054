import type { Context } from 'aws-lambda';
import type { TestTables } from './tables.js';

// The resume function as deployed (functions/handlers/resume.ts), on local endpoints: the environment it
// reads at its first invocation, set before it is imported, and put back after.

export type DeployedHandler = (
  event: unknown,
  context: Context,
) => Promise<Record<string, unknown>>;

export interface LocalEndpoints {
  dynamodb: string;
  websocket: string;
  codeDeploy: string;
}

/** Imports functions/handlers/resume.ts with the environment pointing at `endpoints` and `tables`. */
export async function importDeployedResume(
  tables: TestTables,
  endpoints: LocalEndpoints,
): Promise<{ handler: DeployedHandler; restoreEnvironment: () => void }> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    CONNECTIONS_TABLE: tables.connectionsTable,
    RUNS_TABLE: tables.runsTable,
    WEBSOCKET_ENDPOINT: endpoints.websocket,
    // Generous: a loaded 2-core machine must not turn slow answers into timeouts.
    POST_TIMEOUT_MS: '5000',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_CODEDEPLOY: endpoints.codeDeploy,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_NAMESPACE: 'ws-channels-test',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const { handler } = (await import('../../functions/handlers/resume.js')) as unknown as {
    handler: DeployedHandler;
  };
  return {
    handler,
    restoreEnvironment: () => {
      process.env = saved;
    },
  };
}

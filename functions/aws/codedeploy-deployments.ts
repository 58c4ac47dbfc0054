import {
  CodeDeployClient,
  type CodeDeployClientConfig,
  GetDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import type { DeploymentState, Deployments, Logger } from '../core/ports.js';
import { errorNameOf } from '../core/sdk-error.js';
import { recordCalls } from './call-recording.js';

// Asks CodeDeploy whether a deployment in the deployment window is still under way
// (GetDeployment). The endpoint comes from the SDK's own AWS_ENDPOINT_URL_CODEDEPLOY when it is
// set (the local emulator), AWS otherwise.

/** CodeDeploy's statuses of a deployment that can no longer call its hooks. */
const endedStatuses = new Set(['Succeeded', 'Failed', 'Stopped']);

export class CodeDeployDeployments implements Deployments {
  readonly #client: CodeDeployClient;
  readonly #logger: Logger;

  constructor(options: {
    logger: Logger;
    client?: CodeDeployClient;
    clientConfig?: CodeDeployClientConfig;
  }) {
    this.#client = options.client ?? recordCalls(new CodeDeployClient({ ...options.clientConfig }));
    this.#logger = options.logger;
  }

  async stateOf(deploymentId: string): Promise<DeploymentState> {
    try {
      const output = await this.#client.send(new GetDeploymentCommand({ deploymentId }));
      const status = output.deploymentInfo?.status;
      return status !== undefined && endedStatuses.has(status) ? 'ended' : 'in_progress';
    } catch (error) {
      // By name, as every SDK error here: another copy of the SDK throws another class.
      if (errorNameOf(error) === 'DeploymentDoesNotExistException') return 'ended';
      this.#logger.warn(
        `Could not ask CodeDeploy about deployment ${deploymentId}; it is taken to be still under way.`,
        { deploymentId, error },
      );
      return 'unknown';
    }
  }
}

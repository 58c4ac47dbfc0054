import {
  CodeDeployClient,
  type CodeDeployClientConfig,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { HookAlreadyCompletedError } from '../core/errors.js';
import type { HookReporter, HookStatus, LifecycleHook } from '../core/ports.js';
import { errorNameOf } from '../core/sdk-error.js';
import { recordCalls } from './call-recording.js';

// Tells CodeDeploy how a lifecycle hook went. The endpoint comes from the SDK's own
// AWS_ENDPOINT_URL_CODEDEPLOY when it is set (the local emulator), AWS otherwise.

export class CodeDeployHookReporter implements HookReporter {
  readonly #client: CodeDeployClient;

  constructor(options: { client?: CodeDeployClient; clientConfig?: CodeDeployClientConfig } = {}) {
    // Reporting is what keeps a deployment from hanging for an hour: retry it harder than usual.
    this.#client =
      options.client ??
      recordCalls(new CodeDeployClient({ maxAttempts: 6, ...options.clientConfig }));
  }

  /** Throws HookAlreadyCompletedError when CodeDeploy already has a status for the hook. */
  async report(hook: LifecycleHook, status: HookStatus): Promise<void> {
    try {
      await this.#client.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: hook.deploymentId,
          lifecycleEventHookExecutionId: hook.lifecycleEventHookExecutionId,
          status,
        }),
      );
    } catch (error) {
      // By name, as every SDK error here: another copy of the SDK throws another class.
      if (errorNameOf(error) !== 'LifecycleEventAlreadyCompletedException') throw error;
      throw new HookAlreadyCompletedError(
        `CodeDeploy already has a status for hook ${hook.lifecycleEventHookExecutionId} of ${hook.deploymentId}`,
        { cause: error },
      );
    }
  }
}

import type { Invocation } from '../invocation/types.js';
import type {
  ChannelStore,
  DeploymentWindow,
  HookExecutions,
  Invoker,
  MessagePoster,
  RunLease,
  RunRecords,
} from '../ports.js';
import type { RunSettings } from './state.js';

/**
 * What a suspend or resume run needs from outside: its settings and the ports it talks through.
 * The composition roots (functions/handlers/suspend.ts, resume.ts) fill it with the AWS adapters
 * (functions/aws/run-adapters.ts); the tests with fakes.
 */
export interface RunDependencies {
  settings: RunSettings;
  poster: MessagePoster;
  lease: RunLease;
  records: RunRecords;
  /** Where each CodeDeploy hook's execution is kept, so that a repeat delivery finds the first. */
  hookExecutions: HookExecutions;
  storeFor(invocation: Invocation): ChannelStore;
  /** Suspend only: the store of the resume that undoes a failed suspend (what that run marked). */
  undoStoreFor?: (suspendRunId: string) => ChannelStore;
  /** Hands a run that nears its deadline over to a new invocation; without it, the run stops. */
  invoker?: Invoker;
  /** The deployment window that holds new connections and joins sibling deployment groups. */
  window?: DeploymentWindow;
}

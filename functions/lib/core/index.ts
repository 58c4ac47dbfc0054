// The run core, for those who wire their own adapters (the package's `ws-channels/core`): pure
// logic that takes ports and returns data, with no AWS SDK and no environment variables.

export {
  ConfigurationError,
  FrameTooLargeError,
  HookAlreadyCompletedError,
  InvalidEventError,
  PreconditionFailedError,
  RegistryNotDetectedError,
  RunInProgressError,
} from '../errors.js';
export {
  defaultRunId,
  type RunChannelsOptions,
  type RunSettings,
  runChannels,
} from './channel-run.js';
export {
  classifyPostError,
  type FailureReason,
  type PostFailure,
  PostTimeoutError,
} from './classify.js';
export {
  isWindowOpen,
  type NewConnectionsPolicy,
  newConnectionsPolicies,
} from './deployment-window.js';
export { type Invocation, parseInvocation, type RunRequest } from './events.js';
export {
  type ControlFrame,
  encodeFrame,
  maxMessageBytes,
  type ResumeFrame,
  type SuspendFrame,
} from './frames.js';
export { type Counts, emptyCounts, type Outcome, outcomeOf } from './outcome.js';
export type * from './ports.js';
export { systemClock } from './ports.js';
export type { RunSummary } from './run-summary.js';
export {
  answerPing,
  type ConnectGate,
  connectionIdOf,
  heldDuringDeployment,
  holdDuringDeployment,
  pingRouteKey,
  type RouteResponse,
  recordConnection,
  registerConnection,
  unregisterConnection,
  type WebSocketRouteEvent,
} from './websocket-routes.js';

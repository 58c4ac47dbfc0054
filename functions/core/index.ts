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
} from './errors.js';
export { type Invocation, parseInvocation, type RunRequest } from './invocation/parse.js';
export type * from './ports.js';
export { systemClock } from './ports.js';
export {
  classifyPostError,
  type FailureReason,
  type PostFailure,
  PostTimeoutError,
} from './posting/classify.js';
export {
  type ControlFrame,
  encodeFrame,
  maxMessageBytes,
  type ResumeFrame,
  type SuspendFrame,
} from './protocol/frames.js';
export {
  answerPing,
  connectionIdOf,
  heldDuringDeployment,
  pingRouteKey,
  type RouteResponse,
  type WebSocketRouteEvent,
} from './protocol/routes.js';
export {
  isWindowOpen,
  type NewConnectionsPolicy,
  newConnectionsPolicies,
} from './registry/deployment-window.js';
export {
  type ConnectGate,
  holdDuringDeployment,
  recordConnection,
  registerConnection,
  unregisterConnection,
} from './registry/gate.js';
export { type Counts, emptyCounts, type Outcome, outcomeOf } from './run/outcome.js';
export {
  defaultRunId,
  type RunChannelsOptions,
  type RunSettings,
  runChannels,
} from './run/run-channels.js';
export type { RunSummary } from './run/summary.js';

// The client side of ws-channels: wraps any object with the standard WebSocket interface
// (browser WebSocket, Node 22's global WebSocket, the `ws` package) so that messages the app sends
// while the server has suspended the connection are held and sent, in order, once it resumes. It
// takes only frames that carry the frame key of its socket's URL (`withChannelsKey`).
// While suspended it keeps the connection from being closed as idle, and it resumes on its own if
// the resume frame has not come by the time the suspend frame gave. Given a socket factory, it
// connects again after a close, with exponential backoff and full jitter, until it gets in (while
// a deployment is under way the server refuses new connections).
// No dependencies: it uses only EventTarget, CustomEvent, timers and the socket it is given.

export { ChannelsClient } from './channels-client.js';
export type {
  ControlFrame,
  KeyedControlFrame,
  ResumeFrame,
  SuspendFrame,
} from './control-frames.js';
export { parseControlFrame } from './control-frames.js';
export type {
  ChannelsClientEventMap,
  ChannelsState,
  OverflowDetail,
  ReconnectDetail,
  ResumeDetail,
  ResumeReason,
  SendErrorDetail,
} from './events.js';
export {
  ChannelsKeyMissingError,
  frameKeyParameter,
  withChannelsKey,
} from './frame-key.js';
export { ChannelsQueueFullError } from './held-messages.js';
export type {
  ChannelsClientOptions,
  OutgoingMessage,
  SocketFactory,
  WebSocketLike,
} from './input.js';
export { pingMessage } from './keep-alive.js';

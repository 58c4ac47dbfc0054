// The package's `ws-channels/cdk` entry: the construct that adds ws-channels to a CDK stack with a
// WebSocket API (docs/cdk.md). aws-cdk-lib and constructs are the app's, as peer dependencies.
export type { WsChannelsProps, WsChannelsTables } from './props.js';
export { WsChannelsPropsError, type WsChannelsTuningProps } from './settings.js';
export { WsChannels } from './ws-channels.js';

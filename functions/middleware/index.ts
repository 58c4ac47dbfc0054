// The package's `ws-channels/middleware`: the middy middleware a team adds to its own $connect and
// $disconnect handlers.
export { type WsChannelsRegistryOptions, wsChannelsRegistry } from './registry.js';

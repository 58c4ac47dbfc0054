// The demo and the end-to-end tests connect clients the same way.
export * from '../../scripts/lib/ws-clients.js';

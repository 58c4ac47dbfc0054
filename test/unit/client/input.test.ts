import { describe, expect, expectTypeOf, it } from 'vitest';
import type WsWebSocket from 'ws';
import { ChannelsClient, type WebSocketLike } from '../../../client/index.js';
import { FakeSocket, suspendText } from '../../support/fake-socket.js';

describe('ChannelsClient: input', () => {
  it('rejects what is not a WebSocket, and bad options, with a TypeError', () => {
    expect(() => new ChannelsClient({} as WebSocketLike)).toThrow(TypeError);
    expect(() => new ChannelsClient(null as unknown as WebSocketLike)).toThrow(/socket/);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: 0 })).toThrow(TypeError);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: 1.5 })).toThrow(/maxQueued/);
    expect(() => new ChannelsClient(new FakeSocket(), { maxQueued: Number.NaN })).toThrow(
      TypeError,
    );
    expect(new ChannelsClient(new FakeSocket(), { maxQueued: Infinity }).maxQueued).toBe(Infinity);
    expect(new ChannelsClient(new FakeSocket()).maxQueued).toBe(10_000);
  });

  it('rejects a message WebSocket.send would not take, before holding or sending anything', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    expect(() => client.send(42 as unknown as string)).toThrow(TypeError);
    expect(() => client.send({ text: 'x' } as unknown as string)).toThrow(TypeError);
    socket.receive(suspendText());
    expect(() => client.send(undefined as unknown as string)).toThrow(TypeError);
    expect(client.queued).toBe(0);
    expect(socket.sent).toEqual([]);
  });

  it('sends strings, ArrayBuffers, typed arrays and Blobs', () => {
    const socket = new FakeSocket();
    const client = new ChannelsClient(socket);
    const buffer = new ArrayBuffer(2);
    const bytes = new Uint8Array([1, 2]);
    const blob = new Blob(['b']);
    client.send('text');
    client.send(buffer);
    client.send(bytes);
    client.send(blob);
    expect(socket.sent).toEqual(['text', buffer, bytes, blob]);
  });

  it('accepts the sockets of browsers, of Node and of the ws package (checked by tsc)', () => {
    expectTypeOf<WebSocket>().toExtend<WebSocketLike>();
    expectTypeOf<WsWebSocket>().toExtend<WebSocketLike>();
    expectTypeOf<FakeSocket>().toExtend<WebSocketLike>();
    expectTypeOf<{ readyState: number; send(data: string): void }>().not.toExtend<WebSocketLike>();
  });
});

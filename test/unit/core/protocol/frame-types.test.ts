import { describe, expectTypeOf, it } from 'vitest';
import type * as client from '../../../../client/index.js';
import type * as server from '../../../../functions/core/protocol/frames.js';

// The client declares the frame types again on purpose (it has no dependencies). These checks
// are made by tsc (`npm run typecheck`), not at run time: a field added, removed or retyped on
// one side only fails the type check.

describe('the frame types of the client and of the server', () => {
  it('are the same suspend frame', () => {
    expectTypeOf<client.SuspendFrame>().toEqualTypeOf<server.SuspendFrame>();
    expectTypeOf<server.SuspendFrame>().toEqualTypeOf<client.SuspendFrame>();
  });

  it('are the same resume frame', () => {
    expectTypeOf<client.ResumeFrame>().toEqualTypeOf<server.ResumeFrame>();
    expectTypeOf<server.ResumeFrame>().toEqualTypeOf<client.ResumeFrame>();
  });

  it('are the same union of control frames', () => {
    expectTypeOf<client.ControlFrame>().toEqualTypeOf<server.ControlFrame>();
    expectTypeOf<server.ControlFrame>().toEqualTypeOf<client.ControlFrame>();
  });

  it('are the same frames on the wire, with the frame key', () => {
    expectTypeOf<client.KeyedControlFrame>().toEqualTypeOf<server.KeyedControlFrame>();
    expectTypeOf<server.KeyedControlFrame>().toEqualTypeOf<client.KeyedControlFrame>();
    expectTypeOf<server.KeyedControlFrame['key']>().toEqualTypeOf<string | undefined>();
  });
});

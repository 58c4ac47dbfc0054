import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type ReadInvocation, readInvocation } from '../core/invocation/parse.js';

// Reads a suspend or resume invocation's event once, first of all middlewares. The result
// travels on middy's `request.internal` for the middlewares after it (as Powertools' logMetrics
// keeps its state there), and on the handler's context (`context.wsChannels`, middy's
// setToContext way), so that nothing re-reads the event and no module-level state joins a
// middleware to the handler.

const internalKey = 'wsChannelsInvocation';

/** The handler's context once `readInvocationOnce` ran. */
export type RunContext = Context & { wsChannels: ReadInvocation };

export function readInvocationOnce(): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: async (request) => {
      const read = readInvocation(request.event);
      (request.internal as Record<string, unknown>)[internalKey] = read;
      Object.assign(request.context, { wsChannels: read });
    },
  };
}

/** What `readInvocationOnce` read for this request; read now if it did not run (a wiring slip). */
export function invocationOf(request: Request<unknown, unknown, Error, Context>): ReadInvocation {
  const read = (request.internal as Record<string, unknown>)[internalKey] as
    | ReadInvocation
    | undefined;
  return read ?? readInvocation(request.event);
}

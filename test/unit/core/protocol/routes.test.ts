import { describe, expect, it } from 'vitest';
import { pingMessage } from '../../../../client/index.js';
import { InvalidEventError } from '../../../../functions/core/errors.js';
import { answerPing, pingRouteKey } from '../../../../functions/core/protocol/routes.js';

describe('answerPing', () => {
  it('answers 200 with no body: nothing goes back to the client', async () => {
    const response = await answerPing()({
      requestContext: { connectionId: 'abc=', routeKey: pingRouteKey },
      body: pingMessage,
    });

    expect(response).toEqual({ statusCode: 200 });
  });

  it('is the route the client helper pings (its action)', () => {
    expect(JSON.parse(pingMessage)).toEqual({ action: pingRouteKey });
  });

  it('rejects an event without a connection id', async () => {
    await expect(answerPing()({ requestContext: {} })).rejects.toThrow(InvalidEventError);
  });
});

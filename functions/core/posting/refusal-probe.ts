import { PreconditionFailedError } from '../errors.js';
import type { PostFailure } from './classify.js';

// When the first answers of a run are all refusals (403: wrong endpoint or no permission; 413:
// frame too large), every other post will be refused too: the run stops with a precondition
// failure that says what to fix, instead of sending the rest.

export interface RefusalProbe {
  /** Notes one answer; returns the error to stop with once the first `size` were all refusals. */
  note(failure: PostFailure | undefined): PreconditionFailedError | undefined;
  /** After the run: fewer answers than the probe, every one refused, is the same failure. */
  verdict(): PreconditionFailedError | undefined;
}

export function createRefusalProbe(size: number): RefusalProbe {
  if (!Number.isInteger(size) || size < 1) {
    throw new TypeError(`Expected refusalProbeSize to be an integer >= 1, got ${size}`);
  }
  let answersSeen = 0;
  let refusalsSeen = 0;
  let lastRefusal: PostFailure | undefined;
  return {
    note(failure) {
      if (answersSeen >= size) return undefined;
      answersSeen++;
      if (failure?.reason === 'forbidden' || failure?.reason === 'tooLarge') {
        refusalsSeen++;
        lastRefusal = failure;
      }
      if (answersSeen === size && refusalsSeen === size && failure) {
        return new PreconditionFailedError(refusalMessage(failure));
      }
      return undefined;
    },
    verdict() {
      if (answersSeen > 0 && answersSeen < size && refusalsSeen === answersSeen) {
        return new PreconditionFailedError(refusalMessage(lastRefusal ?? unknownRefusal));
      }
      return undefined;
    },
  };
}

const unknownRefusal: PostFailure = {
  reason: 'forbidden',
  name: 'ForbiddenException',
  status: 403,
  message: '',
};

function refusalMessage(failure: PostFailure): string {
  if (failure.reason === 'tooLarge') {
    return `The Management API refused the frame as too large (${failure.status ?? failure.name}).`;
  }
  return (
    `The Management API refused the first posts with ${failure.status ?? failure.name} ` +
    `(${failure.name}): check WEBSOCKET_ENDPOINT (https://{apiId}.execute-api.{region}.amazonaws.com/{stage}) ` +
    `and that the function's role allows execute-api:ManageConnections on that API and stage.`
  );
}

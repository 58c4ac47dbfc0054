import { classifyPostError, type PostFailure, PostTimeoutError } from './classify.js';

/**
 * One post bounded by `timeoutMs`: its signal aborts at the timeout, and the timeout is also
 * raced against the post, so a post that ignores its signal still ends on time. Nothing else
 * aborts it: a post in flight when a run stops finishes, so that what became of it is known.
 * Returns undefined when the frame was delivered, else what the failure was.
 */
export async function postWithTimeout(
  post: (signal: AbortSignal) => Promise<void>,
  timeoutMs: number,
): Promise<PostFailure | undefined> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new PostTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([post(controller.signal), timeout]);
    return undefined;
  } catch (error) {
    return classifyPostError(error);
  } finally {
    clearTimeout(timer);
  }
}

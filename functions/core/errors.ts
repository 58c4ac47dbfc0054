// Every error ws-channels throws on purpose. Each sets `name` and keeps its `cause`, so a
// CloudWatch line names the class and the SDK error underneath it.

/** The environment is missing a variable or has one in the wrong form. Lists every problem. */
export class ConfigurationError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}

/** An invocation event that is not of the expected shape: names the field and what is allowed. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/**
 * Something the whole run depends on is wrong (table missing, endpoint wrong, permission
 * missing, frame too large): the run stops at once and a CodeDeploy hook reports Failed.
 */
export class PreconditionFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PreconditionFailedError';
  }
}

/** Another suspend or resume run holds the lease. */
export class RunInProgressError extends Error {
  /** The run that holds it, when the lease could be read (a hand-over tells its own run apart). */
  readonly holder: string | undefined;
  constructor(message: string, options?: { holder?: string | undefined }) {
    super(message);
    this.name = 'RunInProgressError';
    this.holder = options?.holder;
  }
}

/** A frame larger than API Gateway accepts (128 KB per message). */
export class FrameTooLargeError extends PreconditionFailedError {
  constructor(bytes: number, limit: number) {
    super(`The frame is ${bytes} bytes; API Gateway accepts at most ${limit} bytes per message.`);
    this.name = 'FrameTooLargeError';
  }
}

/**
 * The registry has not the shape a run needs (the suspended index is missing): edeliver's
 * not_detected.
 */
export class RegistryNotDetectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryNotDetectedError';
  }
}

/**
 * CodeDeploy already has a status for this hook (`LifecycleEventAlreadyCompletedException`): an
 * earlier report got in though its answer was lost, or the hook timed out. The status is in.
 */
export class HookAlreadyCompletedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HookAlreadyCompletedError';
  }
}

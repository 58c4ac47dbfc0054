import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBoundedBody, startLoopbackServer } from './loopback-server.js';

// Loopback emulator of the two CodeDeploy calls the project makes,
// PutLifecycleEventHookExecutionStatus and GetDeployment (AWS JSON 1.1: POST / with an
// x-amz-target header).
// Point a client at it with AWS_ENDPOINT_URL_CODEDEPLOY or `endpoint` in the client config.

export interface CodeDeployCall {
  deploymentId: string;
  lifecycleEventHookExecutionId: string;
  status: string;
  /** Epoch ms when the call arrived. */
  at: number;
}

export interface RejectedCodeDeployCall {
  /** What was received; fields the caller left out are undefined. */
  body: unknown;
  errorType: string;
  httpStatus: number;
  at: number;
}

export interface CodeDeployEmulatorOptions {
  port?: number;
  /** Answer the first N hook status calls with `failWith`, to exercise the SDK's retries. */
  failFirst?: number;
  /** 'internalFailure': 500 InternalFailure (default); 'throttling': 400 ThrottlingException. */
  failWith?: 'internalFailure' | 'throttling';
  /**
   * Accept the first N hook status calls that would be accepted (the status is in, the call is
   * recorded), then destroy the socket instead of answering: a report whose answer was lost. The
   * SDK sees a reset connection and retries, and its retry gets
   * LifecycleEventAlreadyCompletedException.
   */
  dropAnswers?: number;
}

export interface CodeDeployEmulator {
  readonly endpoint: string;
  /** Accepted calls (answered 200), in arrival order. */
  readonly calls: readonly CodeDeployCall[];
  /** Calls answered with an error: injected failures and invalid requests. */
  readonly rejected: readonly RejectedCodeDeployCall[];
  /** Accepted calls whose answer was dropped (`dropAnswers`); they are in `calls` too. */
  readonly dropped: readonly CodeDeployCall[];
  /** The status a hook has, whichever way it got it; undefined while it has none. */
  statusOf(deploymentId: string, lifecycleEventHookExecutionId: string): string | undefined;
  /**
   * Gives a hook a status without a call (another invocation reported it, or it timed out), so
   * that a report of it gets LifecycleEventAlreadyCompletedException, as from CodeDeploy.
   */
  completeHook(deploymentId: string, lifecycleEventHookExecutionId: string, status: string): void;
  /**
   * Answers the next `count` status calls for this hook with the injected failure (`failWith`),
   * however valid: a CodeDeploy outage that outlasts the reporter's retries fails the invocation.
   */
  failNextCallsFor(lifecycleEventHookExecutionId: string, count: number): void;
  waitForCalls(count: number, timeoutMs?: number): Promise<readonly CodeDeployCall[]>;
  /**
   * What GetDeployment answers for a deployment (CodeDeploy's statuses: InProgress, Stopped,
   * Failed, Succeeded...); a deployment never given one does not exist.
   */
  setDeploymentStatus(deploymentId: string, status: string): void;
  /** The deployments GetDeployment was asked about, in order. */
  readonly deploymentQueries: readonly string[];
  /** Forgets every call and status, and the failFirst and dropAnswers budgets start again. */
  reset(): void;
  stop(): Promise<void>;
}

const targetPrefix = 'CodeDeploy_20141006.';
const operation = 'PutLifecycleEventHookExecutionStatus';
const getDeployment = 'GetDeployment';
// CodeDeploy lists six statuses, but a hook may only report these two.
const reportableStatuses = new Set(['Succeeded', 'Failed']);
const maxBodyBytes = 1024 * 1024;

const hookKey = (deploymentId: string, lifecycleEventHookExecutionId: string) =>
  `${deploymentId}\n${lifecycleEventHookExecutionId}`;

interface ErrorAnswer {
  httpStatus: number;
  errorType: string;
  message: string;
}

const injectedFailures: Record<NonNullable<CodeDeployEmulatorOptions['failWith']>, ErrorAnswer> = {
  internalFailure: {
    httpStatus: 500,
    errorType: 'InternalFailure',
    message: 'injected failure (failFirst)',
  },
  throttling: {
    httpStatus: 400,
    errorType: 'ThrottlingException',
    message: 'Rate exceeded (failFirst)',
  },
};

export async function startCodeDeployEmulator(
  options: CodeDeployEmulatorOptions = {},
): Promise<CodeDeployEmulator> {
  const failFirst = options.failFirst ?? 0;
  const dropAnswers = options.dropAnswers ?? 0;
  const injectedFailure = injectedFailures[options.failWith ?? 'internalFailure'];
  const calls: CodeDeployCall[] = [];
  const rejected: RejectedCodeDeployCall[] = [];
  const dropped: CodeDeployCall[] = [];
  // The status of each hook that has one, by hookKey.
  const completedHooks = new Map<string, string>();
  const waiters = new Set<() => void>();
  // Failures still to answer, by lifecycleEventHookExecutionId (failNextCallsFor).
  const failuresFor = new Map<string, number>();
  let hookRequests = 0;
  let requestCounter = 0;
  const deploymentStatuses = new Map<string, string>();
  const deploymentQueries: string[] = [];

  const send = (res: ServerResponse, httpStatus: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(httpStatus, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `codedeploy-emulator-${++requestCounter}`,
    });
    res.end(text);
  };

  const sendError = (res: ServerResponse, answer: ErrorAnswer, body: unknown) => {
    rejected.push({
      body,
      errorType: answer.errorType,
      httpStatus: answer.httpStatus,
      at: Date.now(),
    });
    // JSON 1.1 clients read the error type from `__type` (the service prefixes a namespace).
    send(res, answer.httpStatus, {
      __type: `com.amazonaws.codedeploy#${answer.errorType}`,
      message: answer.message,
    });
  };

  const invalid = (errorType: string, message: string): ErrorAnswer => ({
    httpStatus: 400,
    errorType,
    message,
  });

  const handleHookStatus = (res: ServerResponse, body: unknown) => {
    hookRequests++;
    if (hookRequests <= failFirst) return sendError(res, injectedFailure, body);
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    const { deploymentId, lifecycleEventHookExecutionId, status } = fields;
    const failuresLeft =
      typeof lifecycleEventHookExecutionId === 'string'
        ? (failuresFor.get(lifecycleEventHookExecutionId) ?? 0)
        : 0;
    if (failuresLeft > 0 && typeof lifecycleEventHookExecutionId === 'string') {
      failuresFor.set(lifecycleEventHookExecutionId, failuresLeft - 1);
      return sendError(res, injectedFailure, body);
    }
    if (typeof deploymentId !== 'string' || deploymentId === '') {
      return sendError(
        res,
        invalid('DeploymentIdRequiredException', 'The deployment ID must be specified.'),
        body,
      );
    }
    if (typeof lifecycleEventHookExecutionId !== 'string' || lifecycleEventHookExecutionId === '') {
      return sendError(
        res,
        invalid(
          'InvalidLifecycleEventHookExecutionIdException',
          'A lifecycle event hook execution ID must be specified.',
        ),
        body,
      );
    }
    if (typeof status !== 'string' || !reportableStatuses.has(status)) {
      return sendError(
        res,
        invalid(
          'InvalidLifecycleEventHookExecutionStatusException',
          `Status ${String(status)} is not valid: a hook reports Succeeded or Failed.`,
        ),
        body,
      );
    }
    const key = hookKey(deploymentId, lifecycleEventHookExecutionId);
    if (completedHooks.has(key)) {
      return sendError(
        res,
        invalid(
          'LifecycleEventAlreadyCompletedException',
          `The lifecycle event hook ${lifecycleEventHookExecutionId} of deployment ${deploymentId} is already completed.`,
        ),
        body,
      );
    }
    completedHooks.set(key, status);
    const call = { deploymentId, lifecycleEventHookExecutionId, status, at: Date.now() };
    calls.push(call);
    for (const wake of waiters) wake();
    if (dropped.length < dropAnswers) {
      dropped.push(call);
      res.socket?.destroy();
      return;
    }
    send(res, 200, { lifecycleEventHookExecutionId });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const target = req.headers['x-amz-target'];
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      return sendError(
        res,
        {
          httpStatus: 404,
          errorType: 'UnknownOperationException',
          message: `${req.method} ${req.url} is not an AWS JSON 1.1 call`,
        },
        raw,
      );
    }
    if (target === `${targetPrefix}${getDeployment}`) return answerGetDeployment(res, raw);
    if (target !== `${targetPrefix}${operation}`) {
      return sendError(
        res,
        invalid(
          'UnknownOperationException',
          `the CodeDeploy emulator only implements ${targetPrefix}${operation}, not ${String(target)}`,
        ),
        raw,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendError(
        res,
        invalid('SerializationException', 'the request body is not valid JSON'),
        raw,
      );
    }
    handleHookStatus(res, body);
  };

  const answerGetDeployment = (res: ServerResponse, raw: string) => {
    let deploymentId: unknown;
    try {
      deploymentId = (JSON.parse(raw) as { deploymentId?: unknown }).deploymentId;
    } catch {
      deploymentId = undefined;
    }
    if (typeof deploymentId !== 'string' || deploymentId.length === 0) {
      return sendError(
        res,
        invalid('DeploymentIdRequiredException', 'deploymentId is required'),
        raw,
      );
    }
    deploymentQueries.push(deploymentId);
    const status = deploymentStatuses.get(deploymentId);
    if (status === undefined) {
      return sendError(
        res,
        invalid('DeploymentDoesNotExistException', `no deployment ${deploymentId}`),
        raw,
      );
    }
    send(res, 200, { deploymentInfo: { deploymentId, status } });
  };

  const server = await startLoopbackServer(
    async (req, res) => {
      const body = await readBoundedBody(req, maxBodyBytes);
      if (body === undefined) {
        return sendError(
          res,
          invalid('SerializationException', `request body over ${maxBodyBytes} bytes`),
          undefined,
        );
      }
      handle(req, res, body.toString('utf8'));
    },
    { port: options.port },
  );

  return {
    endpoint: server.url,
    calls,
    rejected,
    dropped,
    statusOf: (deploymentId, lifecycleEventHookExecutionId) =>
      completedHooks.get(hookKey(deploymentId, lifecycleEventHookExecutionId)),
    completeHook(deploymentId, lifecycleEventHookExecutionId, status) {
      completedHooks.set(hookKey(deploymentId, lifecycleEventHookExecutionId), status);
    },
    failNextCallsFor(lifecycleEventHookExecutionId, count) {
      failuresFor.set(lifecycleEventHookExecutionId, count);
    },
    setDeploymentStatus(deploymentId, status) {
      deploymentStatuses.set(deploymentId, status);
    },
    deploymentQueries,
    waitForCalls(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        if (calls.length >= count) return resolve(calls);
        const wake = () => {
          if (calls.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(calls);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(
              `expected ${count} CodeDeploy call(s) within ${timeoutMs} ms, got ${calls.length}` +
                (rejected.length > 0 ? ` (and ${rejected.length} rejected)` : ''),
            ),
          );
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    reset() {
      calls.length = 0;
      rejected.length = 0;
      dropped.length = 0;
      completedHooks.clear();
      failuresFor.clear();
      deploymentStatuses.clear();
      deploymentQueries.length = 0;
      hookRequests = 0;
    },
    stop: server.stop,
  };
}

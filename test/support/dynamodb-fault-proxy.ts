import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { readBoundedBody, startLoopbackServer } from './loopback-server.js';
import { hashToUnit } from './management-api-behaviours.js';

// A loopback HTTP proxy in front of DynamoDB Local that answers chosen calls the way DynamoDB
// does when it is throttled, failing or unreachable, so the real SDK client meets the fault on
// its wire. Rules pick operations (the `X-Amz-Target` header) and a share of their calls; the
// first rule that fires on a call decides what happens to it.

/** What a rule does to a call it picks. */
export type DynamoDBFaultKind =
  /** 400 ThrottlingException (the service's own throttling). */
  | 'throttling'
  /** 400 ProvisionedThroughputExceededException (a partition or table over its capacity). */
  | 'throughputExceeded'
  /** 500 InternalServerError. */
  | 'internalServerError'
  /** The socket is destroyed before the call is forwarded: nothing was written. */
  | 'dropBeforeForward'
  /** The call is forwarded and answered, then the socket is destroyed: written, answer lost. */
  | 'dropAfterForward'
  /**
   * BatchExecuteStatement only: chosen statements answer `{Error: {Code}}` inside a 200 and are
   * not forwarded, so they really were not executed; the share counts statements, not calls.
   */
  | 'statementErrors';

export type StatementErrorCode =
  | 'ThrottlingError'
  | 'ProvisionedThroughputExceeded'
  | 'InternalServerError';

/** Which of the matching calls (or statements) a rule picks, counted from when it was set. */
export type FaultShare =
  | { all: true }
  /** The first N. */
  | { first: number }
  /** The Nth, 2Nth, 3Nth... */
  | { every: number }
  /** A deterministic fraction: the i-th candidate is picked when hash(i, seed) < fraction. */
  | { fraction: number; seed?: number };

export interface DynamoDBFaultRule {
  /** Operation names without the `DynamoDB_20120810.` prefix, e.g. `BatchExecuteStatement`. */
  operations: readonly string[] | 'all';
  kind: DynamoDBFaultKind;
  share: FaultShare;
  /** For `statementErrors`; ThrottlingError by default. */
  statementCode?: StatementErrorCode;
}

export interface DynamoDBFaultProxyStats {
  /** Calls received per operation. */
  calls: Record<string, number>;
  /** Faults injected per operation and kind; statementErrors count statements. */
  injected: Record<string, Partial<Record<DynamoDBFaultKind, number>>>;
  /** Every fault injected, whatever its operation and kind. */
  injectedTotal: number;
}

export interface DynamoDBFaultProxy {
  /** `http://127.0.0.1:{port}`: the endpoint to give the SDK (or AWS_ENDPOINT_URL_DYNAMODB). */
  readonly endpoint: string;
  /** Replaces the rules; each new rule counts its share from zero. */
  setRules(rules: readonly DynamoDBFaultRule[]): void;
  stats(): DynamoDBFaultProxyStats;
  /** Forgets the counts (not the rules). */
  resetStats(): void;
  stop(): Promise<void>;
}

const targetPrefix = 'DynamoDB_20120810.';
const errorNamespace = 'com.amazonaws.dynamodb.v20120810#';
// The DynamoDB documentation's ThrottlingException comes from the coral layer, not the service.
const throttlingNamespace = 'com.amazon.coral.availability#';
const maxBodyBytes = 16 * 1024 * 1024;

interface ErrorAnswer {
  status: number;
  type: string;
  message: string;
}

const errorAnswers: Partial<Record<DynamoDBFaultKind, ErrorAnswer>> = {
  throttling: {
    status: 400,
    type: `${throttlingNamespace}ThrottlingException`,
    message: 'Rate of requests exceeds the allowed throughput.',
  },
  throughputExceeded: {
    status: 400,
    type: `${errorNamespace}ProvisionedThroughputExceededException`,
    message:
      'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  internalServerError: {
    status: 500,
    type: `${errorNamespace}InternalServerError`,
    message: 'Internal server error',
  },
};

const statementMessages: Record<StatementErrorCode, string> = {
  ThrottlingError:
    'Throughput exceeds the current capacity for one or more global secondary indexes.',
  ProvisionedThroughputExceeded:
    'The level of configured provisioned throughput for the table was exceeded.',
  InternalServerError: 'Internal server error',
};

/** A rule with its own count of the candidates it has seen. */
class ActiveRule {
  readonly rule: DynamoDBFaultRule;
  #seen = 0;
  constructor(rule: DynamoDBFaultRule) {
    checkShare(rule.share);
    this.rule = rule;
  }

  matches(operation: string): boolean {
    return this.rule.operations === 'all' || this.rule.operations.includes(operation);
  }

  /** Counts one candidate and says whether the share picks it. */
  picks(): boolean {
    const index = ++this.#seen;
    const share = this.rule.share;
    if ('all' in share) return true;
    if ('first' in share) return index <= share.first;
    if ('every' in share) return index % share.every === 0;
    return hashToUnit(String(index), share.seed ?? 0) < share.fraction;
  }
}

function checkShare(share: FaultShare): void {
  const positive = (name: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`share.${name} must be a whole number >= 1, got ${value}`);
    }
  };
  if ('first' in share) positive('first', share.first);
  else if ('every' in share) positive('every', share.every);
  else if ('fraction' in share && !(share.fraction >= 0 && share.fraction <= 1)) {
    throw new RangeError(`share.fraction must be in [0, 1], got ${share.fraction}`);
  }
}

interface Upstream {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export async function startDynamoDBFaultProxy(options: {
  /** DynamoDB Local's endpoint, e.g. `http://127.0.0.1:8000`. */
  upstream: string;
  rules?: readonly DynamoDBFaultRule[];
}): Promise<DynamoDBFaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true });
  let rules = (options.rules ?? []).map((rule) => new ActiveRule(rule));
  let calls: Record<string, number> = {};
  let injected: Record<string, Partial<Record<DynamoDBFaultKind, number>>> = {};
  let injectedTotal = 0;

  const count = (operation: string, kind: DynamoDBFaultKind, n = 1) => {
    if (n === 0) return;
    const perKind = injected[operation] ?? {};
    injected[operation] = perKind;
    perKind[kind] = (perKind[kind] ?? 0) + n;
    injectedTotal += n;
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'content-length': String(body.length) };
      const outgoing = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers,
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.once('end', () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.once('error', reject);
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });

  const relay = (res: ServerResponse, answer: Upstream) => {
    res.writeHead(answer.status, {
      ...answer.headers,
      'content-length': String(answer.body.length),
    });
    res.end(answer.body);
  };

  const answerError = (res: ServerResponse, answer: ErrorAnswer) => {
    const body = JSON.stringify({ __type: answer.type, message: answer.message });
    res.writeHead(answer.status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-errortype': answer.type.slice(answer.type.indexOf('#') + 1),
      'x-amzn-requestid': `fault-proxy-${injectedTotal}`,
    });
    res.end(body);
  };

  /** Forwards the batch minus the picked statements and splices their errors back in order. */
  const answerWithStatementErrors = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    operation: string,
    rule: ActiveRule,
  ) => {
    const input = JSON.parse(body.toString('utf8')) as { Statements?: unknown[] };
    const statements = input.Statements ?? [];
    const picked = statements.map(() => rule.picks());
    const code = rule.rule.statementCode ?? 'ThrottlingError';
    const errorEntry = { Error: { Code: code, Message: statementMessages[code] } };
    const kept = statements.filter((_, index) => !picked[index]);
    let keptResponses: unknown[] = [];
    if (kept.length > 0) {
      const answer = await forward(
        req,
        Buffer.from(JSON.stringify({ ...input, Statements: kept })),
      );
      // An error for the whole call (validation, a missing table) goes back as it is.
      if (answer.status !== 200) return relay(res, answer);
      keptResponses =
        (JSON.parse(answer.body.toString('utf8')) as { Responses?: unknown[] }).Responses ?? [];
    }
    let next = 0;
    const responses = picked.map((isPicked) =>
      isPicked ? errorEntry : (keptResponses[next++] ?? {}),
    );
    count(operation, 'statementErrors', picked.filter(Boolean).length);
    const text = JSON.stringify({ Responses: responses });
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': `fault-proxy-${injectedTotal}`,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : target;
    calls[operation] = (calls[operation] ?? 0) + 1;
    const rule = rules.find(
      (candidate) =>
        candidate.matches(operation) &&
        // Statement rules pick statements, not calls: every call they match is theirs.
        (candidate.rule.kind === 'statementErrors'
          ? operation === 'BatchExecuteStatement'
          : candidate.picks()),
    );
    const kind = rule?.rule.kind;
    if (rule === undefined || kind === undefined) return relay(res, await forward(req, body));
    const errorAnswer = errorAnswers[kind];
    if (errorAnswer) {
      count(operation, kind);
      return answerError(res, errorAnswer);
    }
    switch (kind) {
      case 'dropBeforeForward':
        count(operation, kind);
        req.socket.destroy();
        return;
      case 'dropAfterForward':
        await forward(req, body);
        count(operation, kind);
        req.socket.destroy();
        return;
      default:
        return answerWithStatementErrors(req, res, body, operation, rule);
    }
  };

  const server = await startLoopbackServer(async (req, res) => {
    const body = await readBoundedBody(req, maxBodyBytes);
    if (body === undefined) {
      res.writeHead(413);
      res.end();
      return;
    }
    handle(req, res, body).catch((error: unknown) => {
      // DynamoDB Local went away or answered nonsense: the client sees a 502, not a hang.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const text = JSON.stringify({ message: `fault proxy: ${String(error)}` });
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(text);
    });
  });

  return {
    endpoint: server.url,
    setRules(next) {
      rules = next.map((rule) => new ActiveRule(rule));
    },
    stats: () => ({
      calls: { ...calls },
      injected: Object.fromEntries(
        Object.entries(injected).map(([operation, kinds]) => [operation, { ...kinds }]),
      ),
      injectedTotal,
    }),
    resetStats() {
      calls = {};
      injected = {};
      injectedTotal = 0;
    },
    async stop() {
      await server.stop();
      agent.destroy();
    },
  };
}

import type { Context } from 'aws-lambda';

// One suspend or resume invocation of the Lambda handler as deployed (functions/handlers/suspend.ts,
// resume.ts), in a process of its own so that a test can SIGKILL it mid-run. The parent
// (run-process.ts) passes the environment and the event; the child prints one line
// `RUN_RESULT {json}` with the summary or the error, then exits.

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const kind = process.env.RUN_PROCESS_KIND;
if (kind !== 'suspend' && kind !== 'resume') {
  throw new Error(`RUN_PROCESS_KIND must be suspend or resume, got ${String(kind)}`);
}
const event: unknown = JSON.parse(process.env.RUN_PROCESS_EVENT ?? '{}');
const timeoutMs = Number(process.env.RUN_PROCESS_TIMEOUT_MS ?? 900_000);
const startedAt = Date.now();
const context = {
  functionName: `ws-channels-faults-${kind}`,
  awsRequestId: `run-process-${process.pid}`,
  getRemainingTimeInMillis: () => timeoutMs - (Date.now() - startedAt),
} as unknown as Context;

const { handler } = (kind === 'suspend'
  ? await import('../../functions/handlers/suspend.js')
  : await import('../../functions/handlers/resume.js')) as unknown as { handler: Handler };

let result: unknown;
try {
  result = { summary: await handler(event, context) };
} catch (error) {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  result = { error: { name, message } };
}
process.stdout.write(`RUN_RESULT ${JSON.stringify(result)}\n`);
// Keep-alive sockets of the SDK clients would hold the process open.
process.exit(0);

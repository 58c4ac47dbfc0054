import { parseArgs } from 'node:util';
import { FunctionError, invokeRun, type RunFunction } from './lib/invoke.js';
import { runTable } from './lib/report.js';

// Runs suspend or resume on a running local stack (`npm start`), as the console would:
//   npm run suspend                  npm run resume
//   npm run suspend -- --dry-run     npm run resume -- --connection-id abc= --connection-id def=
// Prints the run summary as a table, and as JSON with --json.

const usage = `Usage: tsx scripts/run.ts <suspend|resume> [--dry-run] [--connection-id ID]... [--timeout-ms N] [--concurrency N] [--json]
The local stack must be running (npm start). Its Lambda port is WS_CHANNELS_LAMBDA_PORT (default 3002).`;

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const name = positionals[0];
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if ((name !== 'suspend' && name !== 'resume') || positionals.length !== 1) {
    console.error(
      `Expected "suspend" or "resume", got ${JSON.stringify(positionals.join(' '))}.\n${usage}`,
    );
    return 2;
  }
  const event: Record<string, unknown> = {};
  if (values['dry-run']) event.dryRun = true;
  if (values['connection-id']?.length) event.connectionIds = values['connection-id'];
  if (values['timeout-ms'] !== undefined) event.timeoutMs = Number(values['timeout-ms']);
  if (values.concurrency !== undefined) event.concurrency = Number(values.concurrency);

  const port = process.env.WS_CHANNELS_LAMBDA_PORT ?? '3002';
  try {
    const summary = await invokeRun(
      { lambdaEndpoint: `http://localhost:${port}`, stage: 'local' },
      name as RunFunction,
      event,
    );
    console.log(values.json ? JSON.stringify(summary, null, 2) : runTable([summary]));
    if (!values.json && typeof summary.message === 'string') console.log(`\n${summary.message}`);
    return 0;
  } catch (error) {
    if (error instanceof FunctionError) {
      console.error(error.message);
      return 1;
    }
    const code =
      (error as { code?: unknown; cause?: { code?: unknown } }).code ??
      (error as { cause?: { code?: unknown } }).cause?.code;
    if (code === 'ECONNREFUSED') {
      console.error(
        `Nothing answers on http://localhost:${port}: start the local stack first (npm start).`,
      );
      return 1;
    }
    throw error;
  }
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      'dry-run': { type: 'boolean' },
      'connection-id': { type: 'string', multiple: true },
      'timeout-ms': { type: 'string' },
      concurrency: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main();

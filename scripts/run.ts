import { processIO } from '../cli/io.js';
import { runOperatorCommand } from '../cli/main.js';
import { functionKeys } from '../infra/index.js';

// The operator commands (cli/, the `ws-channels` bin) on a running local stack (`npm start`):
//   npm run status                   npm run suspend                  npm run resume
//   npm run suspend -- --dry-run     npm run resume -- --connection-id abc= --connection-id def=
// Every option of the bin works (--json, --timeout-ms, --concurrency, ...); the stack's names and
// its endpoints (serverless-offline's Lambda port, DynamoDB Local) are filled in here.

const stage = 'local';
const service = 'ws-channels';
const lambdaPort = process.env.WS_CHANNELS_LAMBDA_PORT ?? '3002';
const dynamodbPort = process.env.WS_CHANNELS_DYNAMODB_PORT ?? '8000';

// The SDK's own variables; serverless-offline and DynamoDB Local take any credentials.
Object.assign(process.env, {
  AWS_ENDPOINT_URL_LAMBDA: `http://localhost:${lambdaPort}`,
  AWS_ENDPOINT_URL_DYNAMODB: `http://localhost:${dynamodbPort}`,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
});
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;

const [command, ...rest] = process.argv.slice(2);
const localNames = [
  '--suspend-function',
  `${service}-${stage}-${functionKeys.suspend}`,
  '--resume-function',
  `${service}-${stage}-${functionKeys.resume}`,
  '--connections-table',
  `${service}-${stage}-connections`,
  '--runs-table',
  `${service}-${stage}-runs`,
];
process.exitCode = await runOperatorCommand(
  [...(command === undefined ? [] : [command]), ...rest, ...localNames],
  processIO(),
);

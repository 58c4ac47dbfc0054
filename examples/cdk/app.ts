import { App } from 'aws-cdk-lib';
import { ChatStack } from './chat-stack.js';

// `npx cdk synth` (cdk.json runs this with tsx) or `npx tsx examples/cdk/app.ts`: the chat stack.
const app = new App();
new ChatStack(app, 'WsChannelsChat');
app.synth();

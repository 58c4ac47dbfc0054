import { defaultPorts, javaPackageHint, startLocalStack } from './lib/local-stack.js';

// `npm start`: the local stack on the default ports until Ctrl-C.
try {
  const stack = await startLocalStack({
    ports: defaultPorts,
    onOutput: (text) => process.stdout.write(text),
  });
  process.stdout.write(
    `\nws-channels local stack is up:\n` +
      `  WebSocket            ${stack.websocketUrl}\n` +
      `  @connections         ${stack.connectionsEndpoint}/@connections/{connectionId}\n` +
      `  Lambda invoke API    http://localhost:${stack.ports.lambda}\n` +
      `  DynamoDB Local       http://localhost:${stack.ports.dynamodb} (in memory)\n` +
      `Press Ctrl-C to stop.\n`,
  );
  const stop = async () => {
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Could not start the local stack: ${message}\n`);
  if (message.includes('Java')) process.stderr.write(`${javaPackageHint}\n`);
  process.exit(1);
}

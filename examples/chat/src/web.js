import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// Serves the chat page: the HTML with this stage's WebSocket URL in it, the page's script, and
// ws-channels' client helper from the installed package, as the build bundles it: one file that
// imports nothing (the `ws-channels/client` entry is modules that import each other).

const websocketUrl = process.env.WEBSOCKET_URL ?? '';

const files = {
  '/': {
    path: fileURLToPath(new URL('../web/index.html', import.meta.url)),
    type: 'text/html; charset=utf-8',
  },
  '/chat.js': {
    path: fileURLToPath(new URL('../web/chat.js', import.meta.url)),
    type: 'text/javascript; charset=utf-8',
  },
  '/ws-channels-client.js': {
    path: fileURLToPath(
      new URL('dist/client/ws-channels-client.js', import.meta.resolve('ws-channels/package.json')),
    ),
    type: 'text/javascript; charset=utf-8',
  },
};

export async function handler(event) {
  const file = files[event.rawPath ?? '/'];
  if (!file) return { statusCode: 404, body: 'not found' };
  let body = await readFile(file.path, 'utf8');
  if (event.rawPath === '/' || event.rawPath === undefined) {
    // The page reads it from <meta name="websocket-url">; escaped for an attribute.
    body = body.replace('{{WEBSOCKET_URL}}', escapeAttribute(websocketUrl));
  }
  return {
    statusCode: 200,
    headers: { 'content-type': file.type, 'cache-control': 'no-store' },
    body,
  };
}

function escapeAttribute(text) {
  return text.replace(/[&"<>]/g, (character) => `&#${character.charCodeAt(0)};`);
}

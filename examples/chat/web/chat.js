import { ChannelsClient, withChannelsKey } from '/ws-channels-client.js';

// The chat page. Everything goes through ws-channels' client helper: while a deployment has the
// connection suspended it holds what you type and sends it, in order, when the deployment is done;
// while new connections are refused it connects again with backoff, holding what you type.

const query = new URLSearchParams(location.search);
const name = query.get('name') || `guest-${Math.floor(Math.random() * 1000)}`;
const room = query.get('room') || 'lobby';
const url = document.querySelector('meta[name="websocket-url"]').content;

const stateBadge = document.getElementById('state');
const banner = document.getElementById('banner');
const list = document.getElementById('messages');
const text = document.getElementById('text');
const held = document.getElementById('held');
document.getElementById('name').textContent = name;
document.getElementById('room').textContent = room;

const showState = (state, label = state) => {
  stateBadge.dataset.state = state;
  stateBadge.textContent = label;
  banner.hidden = state !== 'suspended';
  showHeld();
};

// How many messages the helper holds: what you typed that the chat has not been sent yet.
const showHeld = () => {
  held.textContent = String(channel.queued);
};

const show = (className, ...parts) => {
  const item = document.createElement('li');
  if (className) item.className = className;
  item.append(...parts);
  list.append(item);
  list.scrollTop = list.scrollHeight;
};

const span = (className, content) => {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = content;
  return element;
};

// A socket factory, so the helper connects again after every close: during a deployment the
// server refuses new connections, and the helper retries until it gets in. Each socket opens with
// a fresh frame key (withChannelsKey), so that the helper takes only ws-channels' own frames to
// it, never one another member sends into the room. Every new connection joins the room first:
// this listener is added before the helper's, so the join goes out before the messages it held.
const connect = () => {
  const socket = new WebSocket(withChannelsKey(url));
  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ action: 'join', room, name }));
    // The socket opens after the constructor returned: `channel` is set by then.
    if (channel.state !== 'suspended') showState('active');
  });
  return socket;
};

const channel = new ChannelsClient(connect, { retry: { firstDelayMs: 500, maxDelayMs: 10_000 } });

channel.addEventListener('suspend', () => showState('suspended'));
channel.addEventListener('resume', () => showState('active'));
channel.addEventListener('reconnect', ({ detail }) =>
  showState('connecting', detail.refused ? 'waiting for the update' : 'reconnecting'),
);
channel.addEventListener('message', ({ detail }) => {
  const message = JSON.parse(String(detail));
  if (message.type === 'joined') show('notice', `${message.name} joined`);
  if (message.type === 'message') {
    show(
      'message',
      span('from', message.from),
      span('text', message.text),
      span('version', `v${message.version}`),
    );
  }
});

let sent = 0;
document.getElementById('compose').addEventListener('submit', (event) => {
  // A submit button: Enter in the input sends too.
  event.preventDefault();
  const content = text.value.trim();
  if (content === '') return;
  sent++;
  const id = `${name}-${String(sent).padStart(4, '0')}`;
  channel.send(JSON.stringify({ action: 'send', room, name, id, text: content }));
  showHeld();
  text.value = '';
  text.focus();
});

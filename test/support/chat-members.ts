import { expect } from 'vitest';
import type { ChannelsClient } from '../../client/index.js';

// What the example chats' end-to-end tests check of every member after a deployment. A chat posts
// the sender's own copy of each message on the connection that carries ws-channels' frames, so
// where that copy lands between the member's suspend and resume frames tells when the chat handled
// the message.

export interface SentChatMessage {
  id: string;
  /** The helper's state when the page sent it: suspended means the helper must hold it. */
  stateAtSend: 'active' | 'suspended';
  /** The helper held it (suspended, not yet connected, or behind held ones). */
  held: boolean;
}

export type ChatEntry =
  | { kind: 'suspend' | 'resume'; at: number }
  | { kind: 'message'; at: number; from: string; id: string; version?: string };

export interface ChatMemberRecord {
  name: string;
  sent: readonly SentChatMessage[];
  timeline: readonly ChatEntry[];
}

/**
 * The member was suspended once and resumed once; of its own messages, only those in flight when
 * the suspend frame came were handled before the resume frame; what it sent while suspended was
 * held and handled after it.
 *
 * @returns where the two frames are in its timeline
 */
export function expectNothingHandledWhileSuspended(member: ChatMemberRecord): {
  suspendAt: number;
  resumeAt: number;
} {
  const { name, timeline, sent } = member;
  expect(
    timeline.filter((entry) => entry.kind !== 'message').map((entry) => entry.kind),
    name,
  ).toEqual(['suspend', 'resume']);
  const suspendAt = timeline.findIndex((entry) => entry.kind === 'suspend');
  const resumeAt = timeline.findIndex((entry) => entry.kind === 'resume');
  const sentById = new Map(sent.map((message) => [message.id, message]));
  const ownCopyAt = new Map<string, number>();
  timeline.forEach((entry, position) => {
    if (entry.kind !== 'message' || entry.from !== name) return;
    ownCopyAt.set(entry.id, position);
    if (position > suspendAt && position < resumeAt) {
      expect(sentById.get(entry.id), `${entry.id} handled while suspended`).toMatchObject({
        stateAtSend: 'active',
        held: false,
      });
    }
  });
  const whileSuspended = sent.filter((message) => message.stateAtSend === 'suspended');
  expect(whileSuspended.length, name).toBeGreaterThan(0);
  expect(whileSuspended.every((message) => message.held)).toBe(true);
  for (const message of whileSuspended) {
    expect(ownCopyAt.get(message.id), message.id).toBeGreaterThan(resumeAt);
  }
  return { suspendAt, resumeAt };
}

export interface ChatMember extends ChatMemberRecord {
  helper: ChannelsClient;
  sent: SentChatMessage[];
  timeline: ChatEntry[];
  /** Sends the next numbered message (`{name}-0001`, …), as the chat's protocol writes it. */
  sendNext(): void;
  messages(): Extract<ChatEntry, { kind: 'message' }>[];
}

/**
 * A member over the client helper: its frames on the timeline, numbered messages out. What comes
 * in is the test's to read: `message` events, in the chat's own protocol.
 *
 * @param body the text the page sends for a message id
 */
export function chatMember(
  name: string,
  helper: ChannelsClient,
  body: (id: string) => string,
): ChatMember {
  const member: ChatMember = {
    name,
    helper,
    sent: [],
    timeline: [],
    sendNext() {
      const id = `${name}-${String(member.sent.length + 1).padStart(4, '0')}`;
      const stateAtSend = helper.state;
      helper.send(body(id));
      member.sent.push({ id, stateAtSend, held: helper.queued > 0 });
    },
    messages: () =>
      member.timeline.filter(
        (entry): entry is Extract<ChatEntry, { kind: 'message' }> => entry.kind === 'message',
      ),
  };
  helper.addEventListener('suspend', () =>
    member.timeline.push({ kind: 'suspend', at: Date.now() }),
  );
  helper.addEventListener('resume', () => member.timeline.push({ kind: 'resume', at: Date.now() }));
  return member;
}

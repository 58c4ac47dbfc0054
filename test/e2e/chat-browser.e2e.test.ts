import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { receivedSends, useChatExample } from '../support/chat-example.js';
import { waitUntil } from '../support/ws-clients.js';

// The client helper in a real browser: the example chat's own page (examples/chat/web), served by
// the example installed from the packed tarball and running in serverless-offline, opened in
// Debian's headless Chromium. Two members chat; a suspend run holds what they type, the page says
// so, and after the resume run every held message reaches the chat once, in the order typed.
//
// WS_CHANNELS_SCREENSHOTS=<folder> saves the page suspended and resumed (the README's pictures:
// `npm run screenshots`).

const waitMs = 30_000;
const screenshots = process.env.WS_CHANNELS_SCREENSHOTS;

interface ShownMessage {
  from: string;
  text: string;
  version: string;
}

/** The chat messages a page shows, in the order it shows them. */
function shownMessages(page: Page): Promise<ShownMessage[]> {
  return page.$$eval('#messages li.message', (items) =>
    items.map((item) => ({
      from: item.querySelector('.from')?.textContent ?? '',
      text: item.querySelector('.text')?.textContent ?? '',
      version: item.querySelector('.version')?.textContent ?? '',
    })),
  );
}

/** Types a message and presses Enter, as a person would. */
async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

const stateOf = (page: Page) => page.getAttribute('#state', 'data-state');

describe('the chat page in Chromium through a suspend and a resume (client helper in a browser)', () => {
  const chat = useChatExample({
    // serverless-offline prints each message it receives ("message:<text>").
    environment: { SLS_LOG_LEVEL: 'debug' },
  });
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  const open = async (name: string): Promise<Page> => {
    if (!browser) throw new Error('Chromium did not start');
    const page = await browser.newPage({ viewport: { width: 640, height: 560 } });
    page.on('pageerror', (error) => console.error(`${name}'s page: ${error.message}`));
    await page.goto(`${chat().pageUrl}?name=${name}&room=lobby`);
    await page.waitForSelector('#state[data-state="active"]', { timeout: waitMs });
    return page;
  };

  it('shows the suspended state, holds what is typed, and sends it after resume in order, once', async () => {
    // Prepare: two members in the room, one message each way before the deployment.
    const example = chat();
    const alice = await open('alice');
    const bob = await open('bob');
    await waitUntil(
      async () => (await alice.textContent('#messages'))?.includes('bob joined') ?? false,
      "alice to see bob's join",
      waitMs,
    );
    await say(alice, 'hello bob');
    await say(bob, 'hi alice');
    for (const page of [alice, bob]) {
      await waitUntil(
        async () => (await shownMessages(page)).length === 2,
        'both greetings',
        waitMs,
      );
    }

    // Act: suspend. Both pages say so, and what is typed now stays in the page.
    const suspend = await example.invoke('wsChannelsSuspend');
    expect(suspend).toMatchObject({ kind: 'suspend', outcome: 'ok' });
    expect(suspend.counts).toMatchObject({ total: 2, delivered: 2 });
    for (const page of [alice, bob]) {
      await page.waitForSelector('#state[data-state="suspended"]', { timeout: waitMs });
      expect(await page.isVisible('#banner')).toBe(true);
    }
    const typedWhileSuspended = { alice: ['one', 'two', 'three'], bob: ['four', 'five'] };
    for (const text of typedWhileSuspended.alice) await say(alice, text);
    for (const text of typedWhileSuspended.bob) await say(bob, text);
    // A moment in which a message that got through would be shown.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await shownMessages(alice)).toHaveLength(2);
    expect(await shownMessages(bob)).toHaveLength(2);
    expect(await alice.textContent('#held')).toBe('3');
    expect(await bob.textContent('#held')).toBe('2');
    expect(example.output()).not.toContain('"text":"one"');
    if (screenshots) await alice.screenshot({ path: path.join(screenshots, 'chat-suspended.png') });

    // Act: a new version, then resume.
    await example.setAppVersion('2');
    const resume = await example.invoke('wsChannelsResume');
    expect(resume).toMatchObject({ kind: 'resume', outcome: 'ok' });
    expect(resume.counts).toMatchObject({ total: 2, delivered: 2 });
    for (const page of [alice, bob]) {
      await page.waitForSelector('#state[data-state="active"]', { timeout: waitMs });
      await waitUntil(async () => (await shownMessages(page)).length >= 7, 'every message', waitMs);
    }
    // A moment for a duplicate to show before counting.
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (screenshots) await alice.screenshot({ path: path.join(screenshots, 'chat-resumed.png') });

    // Assess: the pages no longer say suspended.
    for (const page of [alice, bob]) {
      expect(await stateOf(page)).toBe('active');
      expect(await page.isVisible('#banner')).toBe(false);
    }
    // Assess: the chat received what each page held once, in the order it was typed.
    const received = receivedSends(example.output());
    for (const [name, texts] of Object.entries(typedWhileSuspended)) {
      const greeting = name === 'alice' ? 'hello bob' : 'hi alice';
      expect(
        received.filter((message) => message.name === name).map((message) => message.text),
        `${name}'s messages as the chat received them`,
      ).toEqual([greeting, ...texts]);
    }
    // Assess: each page shows every message once; the held ones from the new version. Copies to a
    // page come from separate invocations, so their order on the page is not the chat's order.
    for (const page of [alice, bob]) {
      const shown = await shownMessages(page);
      expect(shown.map((message) => `${message.from}: ${message.text}`).sort()).toEqual(
        [
          'alice: hello bob',
          'bob: hi alice',
          ...typedWhileSuspended.alice.map((text) => `alice: ${text}`),
          ...typedWhileSuspended.bob.map((text) => `bob: ${text}`),
        ].sort(),
      );
      const held = shown.filter((message) => !['hello bob', 'hi alice'].includes(message.text));
      expect(held.map((message) => message.version)).toEqual(Array(5).fill('v2'));
    }
    // Assess: the registry holds both connections, active again.
    expect((await example.registry()).map((item) => item.status)).toEqual(['active', 'active']);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInvocation } from '../../../../functions/core/invocation/parse.js';

// The sample events in events/ are what the README tells users to paste into the console's
// Test tab: each must be accepted as it is.
const folder = new URL('../../../../events/', import.meta.url);
const samples = readdirSync(folder).filter((name) => name.endsWith('.json'));

describe('the sample events', () => {
  it('are there', () => {
    expect(samples).toEqual(
      expect.arrayContaining(['run.json', 'dry-run.json', 'codedeploy-hook.json']),
    );
  });

  it.each(samples)('%s is a valid invocation', (name) => {
    const event = JSON.parse(readFileSync(new URL(name, folder), 'utf8')) as unknown;
    const invocation = parseInvocation(event);
    expect(invocation.trigger).toBe(name.startsWith('codedeploy') ? 'codedeploy' : 'manual');
    if (name === 'dry-run.json') expect(invocation.request.dryRun).toBe(true);
  });
});

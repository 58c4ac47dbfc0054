import { beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledgedFindings,
  findingsToBeMended,
  type NagAcknowledgement,
  type PackagedStack,
} from '../security/nag-acknowledgements.js';
import { type NagFinding, nagFindings } from '../support/nag.js';
import { packageChatExample, packageTemplate } from '../support/packaged-template.js';

// cdk-nag, a tool nobody here wrote, over what `osls package` makes for the reference stack and
// for examples/chat (test/support/nag.ts). Every finding is in the reviewed list
// (test/security/nag-acknowledgements.ts) with its reason, and every entry of the list still
// matches a finding: a mended finding leaves the list with its mend.

const stackNames: Record<PackagedStack, string> = {
  reference: 'ws-channels-dev',
  chat: 'chat-dev',
};
const reviewed: readonly NagAcknowledgement[] = [...acknowledgedFindings, ...findingsToBeMended];

const ruleIn = (entry: NagAcknowledgement, stack: PackagedStack) =>
  entry.rule.replaceAll('{stack}', stackNames[stack]);

const covers = (entry: NagAcknowledgement, stack: PackagedStack, finding: NagFinding) =>
  entry.stacks.includes(stack) &&
  ruleIn(entry, stack) === finding.ruleId &&
  entry.resources.includes(finding.resource);

describe('cdk-nag (AwsSolutions and Serverless packs) over the packaged templates', () => {
  const findings = {} as Record<PackagedStack, NagFinding[]>;

  beforeAll(async () => {
    findings.reference = await nagFindings(await packageTemplate('dev'));
    findings.chat = await nagFindings(await packageChatExample('dev'));
  }, 240_000);

  for (const stack of ['reference', 'chat'] as const) {
    it(`finds nothing in the ${stack} stack that the reviewed list does not acknowledge`, () => {
      expect(findings[stack].length).toBeGreaterThan(0);
      const unreviewed = findings[stack].filter(
        (finding) => !reviewed.some((entry) => covers(entry, stack, finding)),
      );
      expect(unreviewed).toEqual([]);
    });
  }

  it('acknowledges nothing that cdk-nag no longer finds (a rule on a resource, in one of its stacks)', () => {
    const stale = reviewed.flatMap((entry) =>
      entry.resources
        .filter(
          (resource) =>
            !entry.stacks.some((stack) =>
              findings[stack].some(
                (finding) =>
                  finding.resource === resource && finding.ruleId === ruleIn(entry, stack),
              ),
            ),
        )
        .map((resource) => `${entry.rule} on ${resource}`),
    );
    expect(stale).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    for (const entry of reviewed) expect(entry.reason.length, entry.rule).toBeGreaterThan(30);
  });
});

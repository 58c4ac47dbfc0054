import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import type { CloudFormationTemplate } from './packaged-template.js';

// cdk-nag (its AwsSolutions and Serverless packs) over a template `osls package` made: the
// template goes into a CDK stack as it is (aws-cdk-lib/cloudformation-include, logical ids kept),
// and each pack walks it (NagPack.validateScope, the entry cdk-nag 3 gives for direct use). No
// acknowledgement is written into the stack: the reviewed list is applied by the test, which
// also sees every acknowledgement that no longer matches anything.

export interface NagFinding {
  /** As cdk-nag names it, with the finding in brackets when the rule gives one (IAM4, IAM5). */
  ruleId: string;
  /** The resource's logical id in the template. */
  resource: string;
  /** cdk-nag's one-line reason. */
  reason: string;
}

/** Every finding of the AwsSolutions and Serverless packs on the template, sorted. */
export async function nagFindings(template: CloudFormationTemplate): Promise<NagFinding[]> {
  const folder = await mkdtemp(join(tmpdir(), 'ws-channels-nag-'));
  try {
    const templateFile = join(folder, 'template.json');
    await writeFile(templateFile, JSON.stringify(template));
    const stack = new Stack(new App(), 'Packaged');
    new CfnInclude(stack, 'Template', { templateFile });
    const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
    const findings = packs.flatMap((pack) =>
      pack.validateScope(stack).violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => ({
          ruleId: violation.ruleName,
          resource: (resource.constructPath ?? '').split('/').at(-1) ?? '',
          reason: violation.description,
        })),
      ),
    );
    return findings.sort(
      (a, b) => a.ruleId.localeCompare(b.ruleId) || a.resource.localeCompare(b.resource),
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

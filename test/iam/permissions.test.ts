import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../functions/aws/call-recording.js';
import {
  deniedCallsToBeMended,
  unusedGrants,
  unusedGrantsToBeMended,
} from '../security/iam-reviewed.js';
import { readRecordedCalls } from '../support/aws-calls.js';
import { type IamRequest, iamRequestsOf } from '../support/iam-requests.js';
import { isAllowed } from '../support/iam-simulation.js';
import {
  asArray,
  type CloudFormationTemplate,
  packageTemplate,
} from '../support/packaged-template.js';
import { fakeAccount, type TemplateRoles, templateRoles } from '../support/template-roles.js';

// Every AWS call the functions made in the end-to-end tests (recorded by their SDK clients,
// test/support/aws-calls.ts) evaluated against the role its function has in the template
// `osls package` makes for the same stage, by an IAM policy simulator nobody here wrote
// (@cloud-copilot/iam-simulate). Nothing here reaches AWS: a missing permission would otherwise
// first show as an AccessDenied in a user's deployment. Run after the end-to-end tests
// (`npm test` does; alone: the e2e files below, then `npm run test:iam`).

/** The end-to-end files whose recordings the check needs: every function, every kind of call. */
const requiredRecordings = ['cycle', 'deployment', 'registry', 'relay'].map(
  (name) => `${name}.e2e.test`,
);
const stage = 'local';

interface EvaluatedCall {
  function: string;
  role: string;
  request: IamRequest;
  allowed: boolean;
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
const arnPrefix = /^arn:aws:[a-z-]+:[a-z0-9-]*:[0-9]*:/;
const missingRole = (role: string): never => {
  throw new Error(`${role} is not a role of the template`);
};

describe("the functions' AWS calls in the end-to-end tests, against their roles (IAM simulator)", () => {
  let template: CloudFormationTemplate;
  let roles: TemplateRoles;
  let calls: Record<string, RecordedCall[]>;
  const evaluated: EvaluatedCall[] = [];

  beforeAll(async () => {
    calls = await readRecordedCalls();
    template = await packageTemplate(stage);
    roles = templateRoles(template);
    const group = Object.keys(template.Resources).find(
      (id) => template.Resources[id]?.Type === 'AWS::CodeDeploy::DeploymentGroup',
    );
    const groupProperties = template.Resources[group ?? '']?.Properties ?? {};
    const application = (groupProperties.ApplicationName as { Ref: string }).Ref;
    const { partition, region, accountId } = fakeAccount;
    const scope = {
      stage,
      deploymentGroupArn: `arn:${partition}:codedeploy:${region}:${accountId}:deploymentgroup:${roles.refOf(application)}/${roles.refOf(group ?? '')}`,
      partitionKeyOf: (tableName: string) => {
        const table = Object.values(template.Resources).find(
          (resource) =>
            resource.Type === 'AWS::DynamoDB::Table' &&
            resource.Properties?.TableName === tableName,
        );
        const keys = (table?.Properties?.KeySchema ?? []) as Array<{
          AttributeName: string;
          KeyType: string;
        }>;
        return keys.find((key) => key.KeyType === 'HASH')?.AttributeName;
      },
    };
    const seen = new Set<string>();
    for (const call of Object.values(calls).flat()) {
      const role = roles.roleOfFunction[call.function];
      if (!role) throw new Error(`${call.function} is not a function of the packaged template`);
      for (const request of iamRequestsOf(call, scope)) {
        const key = JSON.stringify([call.function, request]);
        if (seen.has(key)) continue;
        seen.add(key);
        const allowed = await isAllowed(
          roles.roles[role] ?? missingRole(role),
          call.function,
          request,
        );
        evaluated.push({
          function: call.function,
          role,
          request,
          allowed,
        });
      }
    }
  }, 180_000);

  it('has the recordings of the end-to-end files it needs, from every function of the stack', () => {
    const missing = requiredRecordings.filter((name) => !calls[name]?.length);
    expect(missing, 'run these end-to-end files first (npm run test:e2e)').toEqual([]);
    const callers = new Set(
      evaluated.map((call) => call.function.replace(/^ws-channels-local-/, '')),
    );
    expect([...callers].sort()).toEqual(
      [
        'connect',
        'default',
        'disconnect',
        'sendmessage',
        'wsChannelsResume',
        'wsChannelsSuspend',
      ].sort(),
    );
  });

  it("evaluates roles whose every statement is in the template (no AWS managed policy on a function's role)", () => {
    const functionRoles = new Set(Object.values(roles.roleOfFunction));
    for (const role of functionRoles) expect(roles.roles[role]?.managedPolicies, role).toEqual([]);
  });

  it('denies what a role does not grant, conditions included (the check can fail)', async () => {
    const runs = `arn:aws:dynamodb:${fakeAccount.region}:${fakeAccount.accountId}:table/ws-channels-${stage}-runs`;
    const getRun = (runId: string): IamRequest => ({
      action: 'dynamodb:GetItem',
      resource: runs,
      context: { 'dynamodb:LeadingKeys': [runId] },
    });
    const appRole = roles.roles[roles.roleOfFunction[`ws-channels-${stage}-connect`] ?? ''];
    const pingRole = roles.roles[roles.roleOfFunction[`ws-channels-${stage}-wsChannelsPing`] ?? ''];
    if (!appRole || !pingRole) throw new Error('the template has no connect or ping function');
    // The registry may read the deployment window's item, and no other run record.
    expect(await isAllowed(appRole, 'connect', getRun('window#deployment'))).toBe(true);
    expect(await isAllowed(appRole, 'connect', getRun('lease#run'))).toBe(false);
    expect(await isAllowed(pingRole, 'ping', getRun('window#deployment'))).toBe(false);
  });

  it('finds every call allowed by the role of the function that made it, but those listed to be mended', () => {
    const denied = evaluated.filter((call) => !call.allowed);
    for (const { function: name, role, request } of denied) {
      console.info(
        `Denied: ${name} (${role}): ${request.action} on ${request.resource} ${JSON.stringify(request.context)}`,
      );
    }
    const deniedGrants = new Set(
      denied.map(
        ({ role, request }) =>
          `${role}: ${request.action} on ${request.resource.replace(arnPrefix, '')}`,
      ),
    );
    expect([...deniedGrants].sort()).toEqual(
      deniedCallsToBeMended.map((call) => call.grant).sort(),
    );
  });

  it('grants the functions nothing that no call used but what the reviewed list explains', () => {
    const used = evaluated.filter((call) => call.allowed);
    const unused: string[] = [];
    for (const role of new Set(Object.values(roles.roleOfFunction))) {
      for (const { document } of roles.roles[role]?.policies ?? []) {
        for (const statement of document.Statement) {
          for (const action of asArray(statement.Action)) {
            for (const resource of asArray(statement.Resource)) {
              const usedBy = used.some(
                (call) =>
                  call.role === role &&
                  glob(action).test(call.request.action) &&
                  glob(resource).test(call.request.resource),
              );
              if (!usedBy) unused.push(`${role}: ${action} on ${resource.replace(arnPrefix, '')}`);
            }
          }
        }
      }
    }
    console.info(`Granted, and used by no recorded call:\n  ${unused.join('\n  ')}`);
    expect(unused.sort()).toEqual(
      [...unusedGrants, ...unusedGrantsToBeMended].map((grant) => grant.grant).sort(),
    );
  });
});

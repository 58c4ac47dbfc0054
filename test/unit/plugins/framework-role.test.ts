import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../../plugins/cloudformation.js';
import { narrowFrameworkRole } from '../../../plugins/framework-role.js';

// The framework's role (osls's IamRoleLambdaExecution), which the app's functions run with: only
// its own functions' log groups, not every one of the service's (suspend's and resume's among
// them), no hook status report, no ManageConnections on every API.

const logs = (rest: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:${rest}`,
});

/** What osls 4 and the canary plugin write for a service `chat` on stage `dev`. */
const frameworkTemplate = (): CfnTemplate => ({
  Resources: {
    IamRoleLambdaExecution: {
      Type: 'AWS::IAM::Role',
      Properties: {
        Policies: [
          {
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'],
                  Resource: [logs('/aws/lambda/chat-dev*:*'), logs('/aws/lambda/custom-name:*')],
                },
                {
                  Effect: 'Allow',
                  Action: ['logs:PutLogEvents'],
                  Resource: [
                    logs('/aws/lambda/chat-dev*:*:*'),
                    logs('/aws/lambda/custom-name:*:*'),
                  ],
                },
                {
                  Effect: 'Allow',
                  Action: ['execute-api:ManageConnections'],
                  Resource: [
                    { 'Fn::Sub': 'arn:${AWS::Partition}:execute-api:*:*:*/@connections/*' },
                  ],
                },
                {
                  Effect: 'Allow',
                  Action: ['codedeploy:PutLifecycleEventHookExecutionStatus'],
                  Resource: ['arn:aws:codedeploy:us-east-1:1:deploymentgroup:app/group'],
                },
              ],
            },
          },
        ],
      },
    },
  },
});
const statementsOf = (template: CfnTemplate) =>
  (
    (template.Resources?.IamRoleLambdaExecution?.Properties?.Policies ?? []) as Array<{
      PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown[] }> };
    }>
  )[0]?.PolicyDocument.Statement;

describe("the framework's role", () => {
  it('keeps only the log groups of the functions that run with it, and drops the wide grants', () => {
    // Prepare
    const template = frameworkTemplate();
    // Act
    narrowFrameworkRole(template, 'IamRoleLambdaExecution', true, [
      'chat-dev-connect',
      'chat-dev-default',
      'custom-name',
    ]);
    // Assess
    expect(statementsOf(template)).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource'],
        Resource: [
          logs('/aws/lambda/chat-dev-connect:*'),
          logs('/aws/lambda/chat-dev-default:*'),
          logs('/aws/lambda/custom-name:*'),
        ],
      },
      {
        Effect: 'Allow',
        Action: ['logs:PutLogEvents'],
        Resource: [
          logs('/aws/lambda/chat-dev-connect:*:*'),
          logs('/aws/lambda/chat-dev-default:*:*'),
          logs('/aws/lambda/custom-name:*:*'),
        ],
      },
    ]);
    expect(JSON.stringify(template)).not.toContain('wsChannels');
  });

  it("keeps osls's ManageConnections when the registry's statements were not added to it", () => {
    // Prepare
    const template = frameworkTemplate();
    // Act
    narrowFrameworkRole(template, 'IamRoleLambdaExecution', false, ['chat-dev-connect']);
    // Assess
    expect(statementsOf(template)?.map(({ Action }) => Action[0])).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'execute-api:ManageConnections',
    ]);
  });
});

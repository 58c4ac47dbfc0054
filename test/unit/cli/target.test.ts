import {
  CloudFormationClient,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/arguments.js';
import { resolveTarget } from '../../../cli/target.js';

// Where the commands find ws-channels: a stack's suspend and resume functions, and the tables in
// a function's environment; names given on the command line win.

const cloudformationMock = mockClient(CloudFormationClient);
const lambdaMock = mockClient(LambdaClient);
const clients = {
  lambda: new LambdaClient({ region: 'us-east-1' }),
  cloudformation: () => new CloudFormationClient({ region: 'us-east-1' }),
};

const lambdaFunction = (logicalId: string, physicalId: string): StackResourceSummary => ({
  LogicalResourceId: logicalId,
  PhysicalResourceId: physicalId,
  ResourceType: 'AWS::Lambda::Function',
  ResourceStatus: 'CREATE_COMPLETE',
  LastUpdatedTimestamp: new Date(),
});

describe('resolving the target', () => {
  beforeEach(() => {
    cloudformationMock.reset();
    lambdaMock.reset();
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({
      Environment: {
        Variables: { CONNECTIONS_TABLE: 'chat-prod-connections', RUNS_TABLE: 'chat-prod-runs' },
      },
    });
  });

  it("finds a stack's functions by their logical ids, and the tables in the resume function", async () => {
    cloudformationMock.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        lambdaFunction('ChatLambdaFunction', 'chat-prod-chat'),
        lambdaFunction('ResumeUploadLambdaFunction', 'chat-prod-resumeUpload'),
        lambdaFunction('WsChannelsSuspendLambdaFunction', 'chat-prod-wsChannelsSuspend'),
        lambdaFunction('WsChannelsResumeLambdaFunction', 'chat-prod-wsChannelsResume'),
      ],
    });

    const target = await resolveTarget('status', { stack: 'chat-prod' }, clients);

    expect(target).toEqual({
      label: 'chat-prod',
      suspendFunction: 'chat-prod-wsChannelsSuspend',
      resumeFunction: 'chat-prod-wsChannelsResume',
      connectionsTable: 'chat-prod-connections',
      runsTable: 'chat-prod-runs',
      suspendedIndex: 'suspended',
    });
    expect(
      lambdaMock.commandCalls(GetFunctionConfigurationCommand)[0]?.args[0].input.FunctionName,
    ).toBe('chat-prod-wsChannelsResume');
  });

  it('names the functions it saw when a stack has no suspend function', async () => {
    cloudformationMock.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [lambdaFunction('ChatLambdaFunction', 'chat-prod-chat')],
    });

    const found = resolveTarget('resume', { stack: 'chat-prod' }, clients);

    await expect(found).rejects.toThrow(UsageError);
    await expect(found).rejects.toThrow(
      'Stack chat-prod has no suspend function of ws-channels (its functions: ChatLambdaFunction); expected one, or name it with --suspend-function.',
    );
  });

  it('invokes the function it is given, and reads its tables', async () => {
    const target = await resolveTarget('resume', { function: 'my-resume' }, clients);

    expect(target).toMatchObject({
      label: 'my-resume',
      resumeFunction: 'my-resume',
      runsTable: 'chat-prod-runs',
    });
  });

  it('says what a function without the tables in its environment is not', async () => {
    lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: {} } });

    await expect(resolveTarget('status', { function: 'chat-prod-chat' }, clients)).rejects.toThrow(
      'Function chat-prod-chat has no CONNECTIONS_TABLE and RUNS_TABLE in its environment; expected a ws-channels suspend or resume function, or --connections-table and --runs-table.',
    );
  });

  it('asks AWS nothing when every part is named', async () => {
    const target = await resolveTarget(
      'status',
      { connectionsTable: 'ws-channels-local-connections', runsTable: 'ws-channels-local-runs' },
      clients,
    );

    expect(target.label).toBe('ws-channels-local');
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });
});

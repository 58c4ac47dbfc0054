import { describe, expect, it } from 'vitest';
import { parseOperatorArguments } from '../../../cli/arguments.js';
import { operatorArguments, operatorCommands } from '../../../plugins/operator-commands.js';

// `osls ws-channels status|suspend|resume`: the commands osls lists, and the bin's arguments they
// become, with the service's names for the stage.

const names = {
  suspendFunction: 'chat-prod-wsChannelsSuspend',
  resumeFunction: 'chat-prod-wsChannelsResume',
  connectionsTable: 'chat-prod-connections',
  runsTable: 'chat-prod-runs',
  suspendedIndex: 'suspended',
  region: 'eu-west-1',
};

describe('the plugin operator commands', () => {
  it('declares ws-channels status, suspend and resume, each with one lifecycle event', () => {
    const commands = operatorCommands['ws-channels']?.commands ?? {};

    expect(Object.keys(commands)).toEqual(['status', 'suspend', 'resume']);
    for (const command of Object.values(commands)) expect(command.lifecycleEvents).toEqual(['run']);
    expect(commands.resume?.options?.['connection-id']?.type).toBe('multiple');
  });

  it("passes the service's names and the options osls read to the bin's arguments", () => {
    const argv = operatorArguments('resume', names, {
      stage: 'prod',
      'dry-run': true,
      'connection-id': ['a=', 'b='],
      json: false,
      concurrency: '20',
    });

    expect(parseOperatorArguments(argv)).toMatchObject({
      command: 'resume',
      suspendFunction: 'chat-prod-wsChannelsSuspend',
      resumeFunction: 'chat-prod-wsChannelsResume',
      connectionsTable: 'chat-prod-connections',
      runsTable: 'chat-prod-runs',
      region: 'eu-west-1',
      dryRun: true,
      connectionIds: ['a=', 'b='],
      concurrency: 20,
      json: false,
    });
  });

  it('passes only the options of the command: --stage stays with osls', () => {
    const argv = operatorArguments('status', names, { stage: 'prod', runs: '3', json: true });

    expect(argv.slice(-3)).toEqual(['--json', '--runs', '3']);
    expect(argv).not.toContain('--stage');
  });
});

import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../../plugins/cloudformation.js';
import { renameWebsocketDeployment } from '../../../plugins/stage-redeploy.js';
import { websocketDeploymentNames } from '../../support/packaged-template.js';

// The stage redeploy on synthetic templates: every form of reference is renamed, a template
// without a WebSocket API is left alone, two deployments are refused. The packaged reference
// stack is checked in test/integration/template.test.ts.

const fail = (message: string): never => {
  throw new Error(message);
};
const deployment = { Type: 'AWS::ApiGatewayV2::Deployment', Properties: { ApiId: 'abc' } };

describe('renameWebsocketDeployment', () => {
  it('renames Ref, Fn::GetAtt, Fn::Sub and DependsOn', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: {
        WebsocketsDeploymentOld: structuredClone(deployment),
        WebsocketsDeploymentStage: {
          Type: 'AWS::ApiGatewayV2::Stage',
          Properties: { DeploymentId: { Ref: 'WebsocketsDeploymentOld' } },
        },
        Waiter: {
          Type: 'AWS::CloudFormation::WaitConditionHandle',
          DependsOn: 'WebsocketsDeploymentOld',
        },
      },
      Outputs: {
        Id: { Value: { 'Fn::GetAtt': ['WebsocketsDeploymentOld', 'DeploymentId'] } },
        Short: { Value: { 'Fn::GetAtt': 'WebsocketsDeploymentOld.DeploymentId' } },
        Sub: { Value: { 'Fn::Sub': '${WebsocketsDeploymentOld}/${WebsocketsDeploymentOld.X}' } },
        SubList: { Value: { 'Fn::Sub': ['${WebsocketsDeploymentOld}', {}] } },
      },
    };
    // Act
    const renamed = renameWebsocketDeployment(template, fail);
    // Assess
    expect(renamed?.from).toBe('WebsocketsDeploymentOld');
    expect(renamed?.to).toMatch(/^WebsocketsDeployment[0-9a-f]{64}$/);
    expect(websocketDeploymentNames({ Resources: {}, ...template })).toEqual([renamed?.to]);
  });

  it('leaves a template without a WebSocket deployment as it is', () => {
    // Prepare
    const template: CfnTemplate = { Resources: { Waiter: { Type: 'X' } } };
    // Act
    const renamed = renameWebsocketDeployment(template, fail);
    // Assess
    expect(renamed).toBeUndefined();
    expect(template).toEqual({ Resources: { Waiter: { Type: 'X' } } });
  });

  it('refuses two WebSocket deployments, naming both', () => {
    // Prepare
    const template: CfnTemplate = {
      Resources: { WebsocketsDeploymentA: deployment, WebsocketsDeploymentB: deployment },
    };
    // Act
    const act = () => renameWebsocketDeployment(template, fail);
    // Assess
    expect(act).toThrow(
      /expected one WebSocket deployment .* found 2 \(WebsocketsDeploymentA, WebsocketsDeploymentB\)/,
    );
  });
});

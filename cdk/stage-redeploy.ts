import { createHash } from 'node:crypto';
import { Aspects, CfnResource, type IAspect, Lazy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct, type IConstruct } from 'constructs';

// CDK's WebSocketStage with autoDeploy off (its default) creates no deployment: the stage would
// serve nothing, and never what a later synth changed. This adds the deployment, named after a
// hash of what the stage serves (the API, its routes, integrations, route responses, authorizers
// and the invoke permissions under them), so that any change to those makes CloudFormation
// create a new deployment and point the stage at it, as plugins/stage-redeploy.ts does for osls.

/** The CloudFormation of a resource as it will be synthesized. */
function synthesized(resource: CfnResource): unknown {
  // `_toCloudFormation` is internal to aws-cdk-lib; its own RestApi deployment hashes the API the
  // same way (aws-apigateway/lib/deployment.ts, LatestDeploymentResource).
  const internal = resource as unknown as { _toCloudFormation(): unknown };
  return Stack.of(resource).resolve(internal._toCloudFormation());
}

/** What the stage serves: every resource under the API but stages and deployments. */
function servedResources(api: IConstruct): CfnResource[] {
  return api.node
    .findAll()
    .filter(
      (node): node is CfnResource =>
        CfnResource.isCfnResource(node) &&
        !(node instanceof apigwv2.CfnStage) &&
        !(node instanceof apigwv2.CfnDeployment),
    );
}

export interface StageRedeployProps {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
}

function cfnStageOf(stage: apigwv2.WebSocketStage): apigwv2.CfnStage {
  const cfnStage = stage.node.defaultChild;
  if (!(cfnStage instanceof apigwv2.CfnStage)) {
    throw new Error(`ws-channels: the WebSocketStage ${stage.node.path} has no CfnStage`);
  }
  return cfnStage;
}

/**
 * The stage's deployment that follows its routes; none when the stage deploys itself
 * (`autoDeploy: true`: API Gateway deploys every change, and refuses a DeploymentId beside it).
 */
export function redeployStage(
  scope: Construct,
  id: string,
  props: StageRedeployProps,
): apigwv2.CfnDeployment | undefined {
  if (cfnStageOf(props.stage).autoDeploy === true) return undefined;
  return new StageRedeploy(scope, id, props).deployment;
}

/** The stage's deployment, renamed whenever what it serves changes. */
export class StageRedeploy extends Construct {
  readonly deployment: apigwv2.CfnDeployment;

  constructor(scope: Construct, id: string, props: StageRedeployProps) {
    super(scope, id);
    const { api, stage } = props;
    const deployment = new apigwv2.CfnDeployment(this, 'Deployment', {
      apiId: api.apiId,
      description: 'ws-channels: the routes and integrations as they stand',
    });
    const stack = Stack.of(this);
    const baseId = stack.getLogicalId(deployment);
    deployment.overrideLogicalId(
      Lazy.uncachedString({
        produce: () => {
          const served = servedResources(api).map((resource) => [
            stack.getLogicalId(resource),
            synthesized(resource),
          ]);
          const hash = createHash('sha256').update(JSON.stringify(served)).digest('hex');
          return `${baseId}${hash.slice(0, 16)}`;
        },
      }),
    );
    // A deployment needs its routes: each must exist before it, whenever it was added to the API.
    const routesFirst: IAspect = {
      visit: (node) => {
        if (node instanceof apigwv2.CfnRoute) deployment.node.addDependency(node);
      },
    };
    Aspects.of(api).add(routesFirst);
    cfnStageOf(stage).deploymentId = deployment.ref;
    this.deployment = deployment;
  }
}

import { CfnResource, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

// A route whose integration calls an app function itself, not the alias CodeDeploy shifts, would
// keep calling the version it was deployed with: the deployment would suspend and resume clients
// around a shift they never see. The construct names such routes when the app synthesizes.

/** The integrations of `api` that call one of `functions` unqualified, each named. */
export function integrationsOnBareFunctions(
  api: apigwv2.WebSocketApi,
  functions: readonly lambda.Function[],
): string[] {
  const stack = Stack.of(api);
  const bare = functions.flatMap((fn) => {
    const resource = fn.node.defaultChild;
    return CfnResource.isCfnResource(resource)
      ? [{ fn, arn: JSON.stringify({ 'Fn::GetAtt': [stack.getLogicalId(resource), 'Arn'] }) }]
      : [];
  });
  return api.node
    .findAll()
    .filter((node): node is apigwv2.CfnIntegration => node instanceof apigwv2.CfnIntegration)
    .flatMap((integration) => {
      const uri = JSON.stringify(stack.resolve(integration.integrationUri));
      return bare
        .filter(({ arn }) => uri.includes(arn))
        .map(
          ({ fn }) =>
            `the integration ${integration.node.path} calls ${fn.node.path} itself; point its route at aliasOf(it), the alias CodeDeploy shifts`,
        );
    });
}

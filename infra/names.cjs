// Names that serverless-plugin-canary-deployments derives from the stack name, so that
// infra/iam.yml can scope codedeploy:PutLifecycleEventHookExecutionStatus to this deployment
// group. Kept in step with the plugin (0.8.0): `${normalized stack name}DeploymentApplication`
// and `${stack name}-${function logical id}DeploymentGroup`; the template test checks both.
async function stackName(resolveVariable) {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  return `${service}-${stage}`;
}

module.exports.codeDeployApplication = async ({ resolveVariable }) => {
  const alphaNumeric = (await stackName(resolveVariable)).replace(/[^0-9A-Za-z]/g, '');
  return `${alphaNumeric.charAt(0).toUpperCase()}${alphaNumeric.slice(1)}DeploymentApplication`;
};

module.exports.appDeploymentGroup = async ({ resolveVariable }) =>
  `${await stackName(resolveVariable)}-DefaultLambdaFunctionDeploymentGroup`.slice(0, 100);

import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { appEnvironment, registryStatements } from '../infra/index.js';
import { type EnvironmentContext, environmentOf } from './functions.js';
import type { WsChannelsProps } from './props.js';
import { type ResourceArns, renderStatements } from './resources.js';
import { WsChannelsPropsError } from './settings.js';

// The registry middleware's environment and statements on the app's $connect and $disconnect
// functions (registryFunctions, or the functions of the app's aliases).

export interface RegistryContext {
  readonly props: WsChannelsProps;
  readonly aliases: readonly lambda.Alias[];
  readonly environment: EnvironmentContext;
  readonly arns: ResourceArns;
}

export function addRegistry(scope: Construct, context: RegistryContext): void {
  const registry =
    context.props.registryFunctions ??
    context.aliases.map((alias) => {
      const underlying = alias.version.lambda;
      if (!(underlying instanceof lambda.Function)) {
        throw new WsChannelsPropsError(scope.node.path, [
          `the function of alias ${alias.node.path} is not a lambda.Function of this app; name your $connect and $disconnect functions in registryFunctions`,
        ]);
      }
      return underlying;
    });
  const variables = environmentOf(appEnvironment, context.environment);
  const statements = renderStatements(registryStatements, context.arns);
  for (const fn of new Set(registry)) {
    for (const [name, value] of Object.entries(variables)) fn.addEnvironment(name, value);
    for (const statement of statements) fn.addToRolePolicy(statement);
  }
}

import type { CfnTemplate, CfnValue } from './cloudformation.js';

// The parts of osls (the Serverless Framework v3 line) that the plugin reads and writes. What
// comes from the user's serverless.yml is `unknown` until checked.

/** A function of the service, as osls holds it after variables are resolved. */
export interface FunctionDefinition {
  name?: string;
  handler?: string;
  description?: string;
  runtime?: string;
  role?: unknown;
  memorySize?: number;
  timeout?: number;
  environment?: Record<string, unknown>;
  events?: unknown;
  deploymentSettings?: unknown;
  [property: string]: unknown;
}

export interface ProviderConfig {
  vpc?: unknown;
  iam?: unknown;
  compiledCloudFormationTemplate: CfnTemplate;
  [property: string]: unknown;
}

export interface ServiceConfig {
  service: string;
  plugins?: unknown;
  custom?: unknown;
  provider: ProviderConfig;
  functions: Record<string, FunctionDefinition>;
  resources?: unknown;
  package?: unknown;
}

/** osls's naming of logical ids and the stack (lib/plugins/aws/lib/naming.js). */
export interface AwsNaming {
  getStackName(): string;
  getLambdaLogicalId(functionKey: string): string;
  getRoleLogicalId(): string;
  getWebsocketsStageLogicalId(): string;
  normalizeNameToAlphaNumericOnly(name: string): string;
}

export interface AwsProvider {
  getStage(): string;
  getRegion(): string;
  naming: AwsNaming;
  /** `{ Ref: 'WebsocketsApi' }`, or provider.apiGateway.websocketApiId for an existing API. */
  getApiGatewayWebsocketApiId(): CfnValue;
}

export type PluginClass = new (
  serverless: Serverless,
  options: Record<string, unknown>,
  utilities: PluginUtilities,
) => object;

export interface Serverless {
  service: ServiceConfig;
  serviceDir?: string;
  processedInput?: { commands?: string[] };
  classes: { Error: new (message: string, code?: string) => Error };
  pluginManager: { plugins: object[]; addPlugin(plugin: PluginClass): void };
  getProvider(name: 'aws'): AwsProvider;
}

/** osls's log for plugins (the third argument of a plugin's constructor). */
export interface PluginLog {
  verbose?(message: string): void;
  notice?(message: string): void;
  warning?(message: string): void;
}

export interface PluginUtilities {
  log?: PluginLog;
}

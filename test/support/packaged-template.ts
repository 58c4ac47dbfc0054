import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { parseDocument } from 'yaml';
import { projectRoot } from '../../scripts/lib/local-stack.js';
import { installTarball, packRepository } from './pack.js';

// `osls package` as a user runs it, with no AWS credentials, into a temporary folder.

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
  UpdatePolicy?: { CodeDeployLambdaAliasUpdate?: Record<string, unknown> };
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, unknown>;
}

export interface IamStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export async function packageTemplate(
  stage = 'dev',
  serviceDir = projectRoot,
): Promise<CloudFormationTemplate> {
  return (await packageService({ stage, serviceDir })).template;
}

/**
 * `osls package` of a service: its template, and the files of each zip it made (one per
 * service unless functions are packaged one by one), by the zip's name.
 */
export async function packageService(options: {
  stage?: string;
  serviceDir: string;
  /** Another file than serverless.yml (`--config`). */
  config?: string;
}): Promise<{ template: CloudFormationTemplate; zips: Record<string, string[]> }> {
  const { stage = 'dev', serviceDir } = options;
  const folder = await mkdtemp(join(tmpdir(), 'ws-channels-package-'));
  try {
    const environment: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1' };
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
    ]) {
      delete environment[name];
    }
    await promisify(execFile)(
      process.execPath,
      [
        join(projectRoot, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        stage,
        '--package',
        folder,
        ...(options.config ? ['--config', options.config] : []),
      ],
      { cwd: serviceDir, env: environment, timeout: 120_000 },
    );
    const text = await readFile(join(folder, 'cloudformation-template-update-stack.json'), 'utf8');
    const zips: Record<string, string[]> = {};
    for (const name of (await readdir(folder)).filter((file) => file.endsWith('.zip'))) {
      const { stdout } = await promisify(execFile)('unzip', ['-Z1', join(folder, name)], {
        maxBuffer: 64 * 1024 * 1024,
      });
      zips[name] = stdout.trim().split('\n');
    }
    return { template: JSON.parse(text) as CloudFormationTemplate, zips };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// Left out of a copy of the service: build and test output, and node_modules, which is linked.
const notCopied = new Set([
  '.git',
  'node_modules',
  '.serverless',
  '.esbuild',
  '.serverless-offline',
  'bench-results',
  'coverage',
]);

/**
 * The template of the service as it would be without CodeDeploy, so without the canary plugin's
 * rewrite of the app's integration: packaged from a temporary copy whose serverless.yml limits
 * gradual deployments to another stage (custom.deploymentSettings.stages), which the canary
 * plugin and ws-channels both honour.
 */
export async function packageTemplateWithoutGradualDeployment(
  stage = 'dev',
): Promise<CloudFormationTemplate> {
  const serviceDir = await mkdtemp(join(tmpdir(), 'ws-channels-service-'));
  try {
    await cp(projectRoot, serviceDir, {
      recursive: true,
      filter: (source) => !notCopied.has(relative(projectRoot, source).split(sep)[0] ?? ''),
    });
    await symlink(
      await realpath(join(projectRoot, 'node_modules')),
      join(serviceDir, 'node_modules'),
    );
    const config = parseDocument(await readFile(join(projectRoot, 'serverless.yml'), 'utf8'));
    config.setIn(['custom', 'deploymentSettings', 'stages'], [`not-${stage}`]);
    await writeFile(join(serviceDir, 'serverless.yml'), String(config));
    return await packageTemplate(stage, serviceDir);
  } finally {
    await rm(serviceDir, { recursive: true, force: true });
  }
}

/**
 * examples/chat packaged as its users package it: a copy of the example with the repository's
 * tarball as its node_modules/ws-channels, the other packages linked (pack.ts, installTarball).
 */
export async function packageChatExample(stage = 'dev'): Promise<CloudFormationTemplate> {
  const scratch = await mkdtemp(join(tmpdir(), 'ws-channels-chat-package-'));
  try {
    const serviceDir = join(scratch, 'chat');
    await cp(join(projectRoot, 'examples', 'chat'), serviceDir, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|\.serverless)$/.test(source),
    });
    await installTarball(serviceDir, await packRepository(scratch));
    return await packageTemplate(stage, serviceDir);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every IAM statement of every role and policy in the template, with the resource holding it. */
export function iamStatements(
  template: CloudFormationTemplate,
): Array<{ owner: string; statement: IamStatement }> {
  const found: Array<{ owner: string; statement: IamStatement }> = [];
  for (const [owner, resource] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Role') {
      const policies = (resource.Properties?.Policies ?? []) as Array<{ PolicyDocument: unknown }>;
      documents.push(...policies.map((policy) => policy.PolicyDocument));
    } else if (
      resource.Type === 'AWS::IAM::Policy' ||
      resource.Type === 'AWS::IAM::ManagedPolicy'
    ) {
      documents.push(resource.Properties?.PolicyDocument);
    }
    for (const document of documents) {
      const statements = (document as { Statement?: IamStatement[] }).Statement ?? [];
      for (const statement of statements) found.push({ owner, statement });
    }
  }
  return found;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Logical ids of the template's AWS::ApiGatewayV2::Deployment resources. */
export const websocketDeploymentIds = (template: CloudFormationTemplate): string[] =>
  Object.keys(template.Resources).filter(
    (logicalId) => template.Resources[logicalId]?.Type === 'AWS::ApiGatewayV2::Deployment',
  );

/** Every name of the form `WebsocketsDeployment…` used anywhere in the template but the stage's. */
export function websocketDeploymentNames(template: CloudFormationTemplate): string[] {
  const names = JSON.stringify(template).match(/WebsocketsDeployment[0-9A-Za-z]*/g) ?? [];
  return [...new Set(names)].filter((name) => name !== 'WebsocketsDeploymentStage');
}

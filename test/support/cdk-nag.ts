import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

// cdk-nag (v3, a CDK validation plugin) with its AwsSolutions and Serverless packs over a CDK app:
// the template it synthesizes and every finding that nobody acknowledged, each as
// `Pack::Rule[finding]` at the construct path of the resource it names.

export interface Finding {
  /** As cdk-nag asks for it to be acknowledged: `AwsSolutions::AwsSolutions-IAM5[Resource::…]`. */
  readonly id: string;
  /** The construct path of the resource, e.g. `Stack/WsChannels/Suspend/Resource`. */
  readonly path: string;
}

export interface Acknowledgement extends Finding {
  readonly reason: string;
}

interface ValidationReport {
  pluginReports?: Array<{
    pluginName: string;
    violations?: Array<{
      ruleName: string;
      violatingConstructs?: Array<{ constructPath?: string }>;
      violatingResources?: Array<{ constructPath?: string }>;
    }>;
  }>;
}

export interface NagResult {
  readonly template: Record<string, unknown>;
  readonly findings: readonly Finding[];
}

/** Synthesizes the stack `build` makes, acknowledging each of `acknowledgements` first. */
export function synthesizeWithNag(
  build: (app: App) => Stack,
  acknowledgements: readonly Acknowledgement[] = [],
): NagResult {
  const outdir = mkdtempSync(path.join(tmpdir(), 'ws-channels-cdk-'));
  try {
    const app = new App({ outdir });
    const stack = build(app);
    const byPath = new Map(app.node.findAll().map((node) => [node.node.path, node]));
    for (const { id, path: at, reason } of acknowledgements) {
      const construct = byPath.get(at);
      if (construct === undefined) throw new Error(`no construct at ${at} to acknowledge ${id}`);
      Validations.of(construct).acknowledge({ id, reason });
    }
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    try {
      app.synth();
    } catch (error) {
      // A finding fails the synth; the report says which.
      if (!(error instanceof Error && error.name === 'ValidationFailed')) throw error;
    }
    const report = JSON.parse(
      readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const findings = (report.pluginReports ?? []).flatMap(({ pluginName, violations = [] }) =>
      violations.flatMap(({ ruleName, violatingConstructs = [], violatingResources = [] }) =>
        [...violatingConstructs, ...violatingResources].map(({ constructPath = '?' }) => ({
          id: `${pluginName}::${ruleName}`,
          path: constructPath,
        })),
      ),
    );
    const template = JSON.parse(
      readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8'),
    ) as Record<string, unknown>;
    return { template, findings };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFile, bundlesFolder } from '../../cdk/bundles.js';
import { wsChannelsFunctions } from '../../infra/index.js';
import { packRepository } from '../support/pack.js';

// The package as a user gets it: `npm pack` (which builds through prepack) makes the tarball,
// `npm install` puts it in an empty app folder (its dependencies from the registry, through npm's
// cache), and each entry of its `exports` is imported by plain `node` (no tsx), with Node's own
// resolution. The client entry gets a folder with nothing else in it.

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');
const environment = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Each entry of `exports` and the names it must expose. */
const expectedNames: Record<string, string[]> = {
  'ws-channels/handlers/suspend': ['handler'],
  'ws-channels/handlers/resume': ['handler'],
  'ws-channels/handlers/ping': ['handler'],
  'ws-channels/middleware': ['wsChannelsRegistry'],
  'ws-channels/client': [
    'ChannelsClient',
    'ChannelsQueueFullError',
    'parseControlFrame',
    'pingMessage',
  ],
  'ws-channels/core': [
    'runChannels',
    'systemClock',
    'encodeFrame',
    'outcomeOf',
    'classifyPostError',
    'parseInvocation',
    'isWindowOpen',
    'registerConnection',
    'unregisterConnection',
    'holdDuringDeployment',
    'recordConnection',
  ],
  'ws-channels/cdk': ['WsChannels', 'WsChannelsPropsError'],
};

/** The CDK app's own packages, peers of ws-channels/cdk: linked from this repository's. */
const cdkPeers = ['aws-cdk-lib', 'constructs'];

/** The names a module exports, imported by a plain `node` in `folder`. */
async function exportedNames(folder: string, specifier: string): Promise<string[]> {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: folder,
    env: environment,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as string[];
}

describe('the npm package (npm pack, npm install into an empty folder, imported with Node resolution)', () => {
  let scratch: string;
  let files: string[];
  let app: string;
  let bare: string;
  let manifest: {
    exports: Record<string, unknown>;
    files: string[];
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };

  beforeAll(async () => {
    // Prepare
    scratch = await mkdtemp(path.join(tmpdir(), 'ws-channels-pack-'));
    const tarball = await packRepository(scratch);
    files = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n');

    app = path.join(scratch, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'package.json'), '{"type":"module","private":true}\n');
    // @types/node for the type-check below, at the repo's version.
    const { devDependencies } = JSON.parse(
      await readFile(path.join(repo, 'package.json'), 'utf8'),
    ) as { devDependencies: Record<string, string> };
    await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        tarball,
        `@types/node@${devDependencies['@types/node']}`,
      ],
      { cwd: app, env: environment, timeout: 120_000 },
    );
    for (const peer of cdkPeers) {
      await symlink(path.join(repo, 'node_modules', peer), path.join(app, 'node_modules', peer));
    }
    const installed = path.join(app, 'node_modules', 'ws-channels');
    bare = path.join(scratch, 'bare');
    await mkdir(path.join(bare, 'node_modules'), { recursive: true });
    await cp(installed, path.join(bare, 'node_modules', 'ws-channels'), { recursive: true });
    manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  }, 240_000);

  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('holds the build (the Serverless plugin in it), the README, the docs it links and package.json, and no tests, sources or scripts', () => {
    expect(files).toContain('package/package.json');
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/docs/deployment.md');
    expect(files).toContain('package/dist/plugins/index.js');
    expect(files).toContain('package/dist/infra/index.js');
    expect(files).toContain('package/dist/cdk/index.js');
    // The functions' code ready to deploy, for the CDK construct: one bundle per function.
    for (const { key } of wsChannelsFunctions) {
      expect(files).toContain(`package/${bundlesFolder}/${key}/${bundleFile}`);
    }
    const outside = files.filter(
      (file) => !file.startsWith('package/dist/') && !file.startsWith('package/docs/'),
    );
    expect(outside.sort()).toEqual(['package/README.md', 'package/package.json']);
    // The docs are pages and their pictures: the README's links work on npm too.
    const docs = files.filter((file) => file.startsWith('package/docs/'));
    expect(docs.filter((file) => !/\.(md|png|txt|cast)$/.test(file))).toEqual([]);
    expect(files.filter((file) => /test|\.ts$/.test(file.replace(/\.d\.ts$/, '')))).toEqual([]);
    expect(manifest.files).toEqual(['dist', 'docs', 'README.md']);
  });

  it('declares every package its code imports as a dependency (osls zips no devDependency), or, for the CDK construct, as an optional peer', async () => {
    // Prepare: the bare specifiers of every import, export and require in dist/.
    const installed = path.join(app, 'node_modules', 'ws-channels');
    const code = files
      .map((file) => file.replace(/^package\//, ''))
      .filter((file) => /^dist\/.*\.c?js$/.test(file));
    const imported = new Set<string>();
    for (const file of code) {
      const source = await readFile(path.join(installed, file), 'utf8');
      const specifiers = source.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*|^import\s+)['"]([^'"]+)['"]/gm,
      );
      for (const [, specifier = ''] of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const [scope = '', name = ''] = specifier.split('/');
        imported.add(scope.startsWith('@') ? `${scope}/${name}` : scope);
      }
    }
    // Assess
    expect(imported.size).toBeGreaterThan(5);
    const undeclared = [...imported].filter(
      (name) => !(name in manifest.dependencies) && !(name in manifest.peerDependencies),
    );
    expect(undeclared).toEqual([]);
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(cdkPeers);
    for (const peer of cdkPeers) expect(manifest.peerDependenciesMeta[peer]?.optional).toBe(true);
  });

  it('installs the ws-channels bin, which runs with plain node and names what it lacks', async () => {
    const bin = path.join(app, 'node_modules', '.bin', 'ws-channels');

    const help = await run(bin, ['--help'], { cwd: app, env: environment });
    const lacking = await run(bin, ['status'], { cwd: app, env: environment }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );

    expect(help.stdout).toContain('Usage: ws-channels <status|suspend|resume> [options]');
    expect(lacking?.code).toBe(2);
    expect(lacking?.stderr).toContain(
      'ws-channels status does not know the Connections table (--connections-table) or the Runs table (--runs-table)',
    );
  });

  it('pins every dependency to an exact version', () => {
    const ranges = Object.entries(manifest.dependencies).filter(
      ([, version]) => !/^\d+\.\d+\.\d+$/.test(version),
    );
    expect(ranges).toEqual([]);
  });

  it('gives every entry of exports its types and its ES module, both in the tarball', () => {
    const entries = Object.entries(manifest.exports).filter(
      ([key]) => key !== './package.json' && key !== '.',
    );
    expect(entries.map(([key]) => `ws-channels${key.slice(1)}`).sort()).toEqual(
      Object.keys(expectedNames).sort(),
    );
    for (const [, conditions] of entries) {
      const { types, import: module } = conditions as { types: string; import: string };
      expect(files).toContain(`package/${types.slice(2)}`);
      expect(files).toContain(`package/${module.slice(2)}`);
    }
    // The plugin: `default`, so that osls's require() finds it as well as import() would.
    const { types, default: plugin } = manifest.exports['.'] as { types: string; default: string };
    expect(files).toContain(`package/${types.slice(2)}`);
    expect(files).toContain(`package/${plugin.slice(2)}`);
  });

  it.each(Object.entries(expectedNames))(
    'imports %s under plain node',
    async (specifier, names) => {
      // Act
      const exported = await exportedNames(app, specifier);
      // Assess
      expect(exported).toEqual(expect.arrayContaining(names));
    },
  );

  it("gives osls the Serverless plugin as the package itself: osls's loader finds a plugin class in 'ws-channels'", async () => {
    // Prepare: osls resolves a service's plugin by its name from the service folder, then loads it
    // with require (an ES module, through Node's require(esm)) or import(), and takes `.default`
    // (osls/lib/utils/require-with-import-fallback.js).
    expect(manifest.exports['.']).toEqual({
      types: './dist/plugins/index.d.ts',
      default: './dist/plugins/index.js',
    });
    const loader = path.join(repo, 'node_modules', 'osls', 'lib', 'utils');
    const script = [
      `const load = require(${JSON.stringify(path.join(loader, 'require-with-import-fallback.js'))});`,
      `const getRequire = require(${JSON.stringify(path.join(loader, 'get-require.js'))});`,
      "load(getRequire(process.cwd()).resolve('ws-channels')).then((Plugin) =>",
      '  console.log(typeof Plugin, Plugin.name, typeof Plugin.prototype));',
    ].join('\n');
    // Act
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: app, env: environment });
    // Assess
    expect(stdout.trim()).toBe('function WsChannelsPlugin object');
  });

  it('imports the client in a folder with no other package: it depends on nothing', async () => {
    expect(await readdir(path.join(bare, 'node_modules'))).toEqual(['ws-channels']);
    const exported = await exportedNames(bare, 'ws-channels/client');
    expect(exported).toEqual(expect.arrayContaining(expectedNames['ws-channels/client'] ?? []));
    // The entry bundled in one file, for a page served without a bundler (examples/chat/src/web.js).
    const bundle = './node_modules/ws-channels/dist/client/ws-channels-client.js';
    expect(files).toContain('package/dist/client/ws-channels-client.js');
    const source = await readFile(path.join(bare, bundle), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(await exportedNames(bare, bundle)).toEqual(exported);
  });

  it('type-checks an app that imports every entry (the types conditions resolve)', async () => {
    await writeFile(
      path.join(app, 'app.ts'),
      [
        "import { handler as suspend } from 'ws-channels/handlers/suspend';",
        "import { handler as resume } from 'ws-channels/handlers/resume';",
        "import { handler as ping } from 'ws-channels/handlers/ping';",
        "import { wsChannelsRegistry } from 'ws-channels/middleware';",
        "import { ChannelsClient, type ControlFrame } from 'ws-channels/client';",
        "import { runChannels, type Outcome, type ConnectionRegistry } from 'ws-channels/core';",
        "import { WsChannels, type WsChannelsProps } from 'ws-channels/cdk';",
        'export const handlers = [suspend, resume, ping];',
        "export const middleware = wsChannelsRegistry({ connectionsTable: 'c', runsTable: 'r' });",
        'export const client: typeof ChannelsClient = ChannelsClient;',
        'export const run: typeof runChannels = runChannels;',
        'export const construct: typeof WsChannels = WsChannels;',
        "export type Used = [ControlFrame, Outcome, ConnectionRegistry['register'], WsChannelsProps];",
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    const tsc = path.join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(run(process.execPath, [tsc, '-p', app], { cwd: app })).resolves.toBeDefined();
  });

  it("synthesizes a CDK app with the installed construct, whose functions' assets are the package's bundles", async () => {
    // Prepare: a stack as docs/cdk.md has it, synthesized by plain node.
    const outdir = path.join(app, 'cdk.out');
    const script = [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';",
      "import * as lambda from 'aws-cdk-lib/aws-lambda';",
      "import { WsChannels } from 'ws-channels/cdk';",
      `const app = new App({ outdir: ${JSON.stringify(outdir)} });`,
      "const stack = new Stack(app, 'Chat');",
      "const chat = new lambda.Function(stack, 'Chat', { code: lambda.Code.fromInline('export const handler = async () => ({});'), handler: 'index.handler', runtime: lambda.Runtime.NODEJS_24_X });",
      "const webSocketApi = new WebSocketApi(stack, 'Api');",
      "const stage = new WebSocketStage(stack, 'Stage', { webSocketApi, stageName: 'prod' });",
      "new WsChannels(stack, 'WsChannels', { webSocketApi, stage, appFunctions: [chat] });",
      'app.synth();',
    ].join('\n');
    // Act
    await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: app,
      env: environment,
    });
    // Assess: each staged asset is a bundle, byte for byte.
    const staged = (await readdir(outdir)).filter((name) => name.startsWith('asset.'));
    const stagedCode = await Promise.all(
      staged.map((name) => readFile(path.join(outdir, name, bundleFile), 'utf8')),
    );
    const installed = path.join(app, 'node_modules', 'ws-channels');
    for (const { key } of wsChannelsFunctions) {
      const bundle = await readFile(path.join(installed, bundlesFolder, key, bundleFile), 'utf8');
      expect(stagedCode).toContain(bundle);
    }
    expect(staged).toHaveLength(wsChannelsFunctions.length);
  });
});

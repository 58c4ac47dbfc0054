import { execFile } from 'node:child_process';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

// The package as a user gets it: `npm pack` of the repository (prepack builds dist/ first).

const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, '../..');

/** Packs the repository into `destination`; the tarball's path. */
export async function packRepository(destination: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: repo,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      npm_config_update_notifier: 'false',
    },
    timeout: 120_000,
  });
  // npm prints the build's output before its JSON.
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack reported no tarball: ${stdout}`);
  return path.join(destination, packed.filename);
}

/**
 * Installs the tarball as `{folder}/node_modules/ws-channels` of an app folder (a package.json of
 * type module), its other node_modules links to the repository's, so no registry is asked.
 */
export async function installTarball(folder: string, tarball: string): Promise<string> {
  const installed = path.join(folder, 'node_modules', 'ws-channels');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  await writeFile(path.join(folder, 'package.json'), '{"type":"module","private":true}\n');
  for (const name of await readdir(path.join(repo, 'node_modules'))) {
    if (name === 'ws-channels' || name.startsWith('.')) continue;
    await symlink(path.join(repo, 'node_modules', name), path.join(folder, 'node_modules', name));
  }
  return installed;
}

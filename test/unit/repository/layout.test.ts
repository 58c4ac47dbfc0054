import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The rules of the layout that no compiler checks (docs/contributing.md): every source file is
// short enough to read at once, and each entry of the package's exports lives in a folder of the
// same name. The import rules are checked by dependency-cruiser (npm run lint).

const root = fileURLToPath(new URL('../../../', import.meta.url));
const sourceFolders = ['functions', 'client', 'plugins', 'infra', 'cdk', 'cli'];
const maxLines = 250;

function sourceFiles(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(root, folder));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(folder, name);
    if (statSync(join(root, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|cts|mts|js|cjs|mjs)$/.test(name) ? [path] : [];
  });
}

describe('the layout', () => {
  it(`has no source file over ${maxLines} lines`, () => {
    const files = sourceFolders.flatMap(sourceFiles);
    const long = files
      .map((file) => ({
        file,
        lines: readFileSync(join(root, file), 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines > maxLines);

    expect(files.length).toBeGreaterThan(50);
    expect(long).toEqual([]);
  });

  it("keeps each entry of the package's exports in a folder of the entry's name", () => {
    const { exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
    };
    const misplaced = Object.entries(exports)
      .filter(([entry]) => entry !== './package.json')
      .flatMap(([entry, target]) => {
        const name = entry === '.' ? 'plugins' : (entry.split('/')[1] ?? entry);
        const paths = typeof target === 'string' ? [target] : Object.values(target);
        return paths
          .map((path) => relative('dist', path.replace(/^\.\//, '')).split('/'))
          .filter((segments) => !segments.slice(0, -1).includes(name))
          .map((segments) => `${entry} -> ${segments.join('/')}`);
      });

    expect(Object.keys(exports).length).toBeGreaterThan(5);
    expect(misplaced).toEqual([]);
  });
});

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README is for a new user and stays short; the rest is in docs/, every file of it linked
// from the README, and every link between them leads somewhere.

const root = fileURLToPath(new URL('../../../', import.meta.url));
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => `docs/${name}`);
const pages = ['README.md', ...docs];
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The text outside code blocks. */
const outsideCodeBlocks = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');
/** The text outside code blocks and code spans, where a link is a link. */
const prose = (text: string) => outsideCodeBlocks(text).replace(/`[^`\n]*`/g, '');

/** GitHub's anchors for a page's headings. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of outsideCodeBlocks(read(file)).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const slug = (heading ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** Every relative link of a page, with the file it resolves to. */
function linksOf(file: string): { target: string; path: string; anchor: string | undefined }[] {
  return [...prose(read(file)).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map(([, target]) => target ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => {
      const [path = '', anchor] = target.split('#');
      return {
        target,
        path: path ? normalize(join(dirname(file), decodeURI(path))) : file,
        anchor,
      };
    });
}

describe('the README and docs/', () => {
  it('keeps the README at 250 lines at most', () => {
    expect(read('README.md').split('\n').length - 1).toBeLessThanOrEqual(250);
  });

  it('links every file in docs/ from the README', () => {
    const linked = new Set(linksOf('README.md').map((link) => link.path));
    expect(docs.length).toBeGreaterThan(5);
    expect(docs.filter((file) => !linked.has(file))).toEqual([]);
  });

  it('has no link to a file or a heading that is not there', () => {
    const broken = pages.flatMap((file) =>
      linksOf(file)
        .filter(({ path, anchor }) => {
          if (!existsSync(join(root, path))) return true;
          if (anchor === undefined) return false;
          return statSync(join(root, path)).isDirectory() || !anchorsOf(path).has(anchor);
        })
        .map(({ target }) => `${file}: ${target}`),
    );
    expect(broken).toEqual([]);
  });
});

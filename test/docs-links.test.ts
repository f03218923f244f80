// The documentation is one README and a page per topic in docs/: every relative link between them, and
// every #anchor into a Markdown page, must land, so moving a section cannot leave a dead link behind.
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** The page's text outside fenced code blocks and inline code, where `[x](y)` and `# x` are not Markdown. */
function prose(file: string): string[] {
  let fenced = false;
  const lines: string[] = [];
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced) lines.push(line.replace(/`[^`]*`/g, (code) => code.replace(/[[\]()#]/g, '')));
  }
  return lines;
}

/** GitHub's heading anchors: the heading's text lower-cased, punctuation dropped, spaces to `-`, repeats numbered. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6} (.*)$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Every relative link target of a page, as written. */
function relativeLinks(file: string): string[] {
  const targets = prose(file).flatMap((line) => [...line.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1]!));
  return targets.filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

test('every relative link in README.md and docs/*.md points to an existing file, and every #anchor to a heading of that page', (t) => {
  const broken: string[] = [];
  for (const page of pages) {
    for (const target of relativeLinks(page)) {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : relative(root, join(root, dirname(page), path));
      if (!existsSync(join(root, file))) broken.push(`${page}: ${target} (no file ${file})`);
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(file).has(anchor)) broken.push(`${page}: ${target} (no heading #${anchor} in ${file})`);
    }
  }
  t.deepEqual(broken, []);
});

test('docs/README.md links every page in docs/, and the README links docs/README.md', (t) => {
  const indexed = new Set(relativeLinks('docs/README.md').map((target) => target.split('#')[0]));
  const unlisted = pages.filter((page) => page.startsWith('docs/') && page !== 'docs/README.md' && !indexed.has(page.slice('docs/'.length)));
  t.deepEqual(unlisted, []);
  t.true(relativeLinks('README.md').includes('docs/README.md'));
});

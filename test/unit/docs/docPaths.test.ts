// Docs that are true: every repository path README.md and docs/*.md name must exist. A path with a folder
// (`extension/core/session.ts`, `test/kernel/helpers/`) is looked up from the repository root or from the doc's
// own folder; a bare Markdown file name (`DESIGN.md`) must be a file of the repository. The design notes outside
// the repository are named `../shared/docs/NAME.md`, and that form is accepted as it is. Build outputs (dist/,
// out/), host paths (/sys/..., ~/.ssh/...) and placeholders (NAME.bench.ts, FILE.o) are not repository paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const TOP = ['extension', 'remote-agent', 'protocol', 'webview', 'bpf', 'test', 'bench', 'docs', 'scripts', 'media'];
const ROOT_FILES =
  /^(package\.json|package-lock\.json|README\.md|tsconfig(\.base)?\.json|eslint\.config\.mjs|\.prettierrc(\.json)?|\.gitignore)$/;
const EXT = /\.(md|ts|mts|mjs|js|json|sh|c|h|css|html|svg|yml|yaml|txt|jsonl)$/;
const SKIP = /^(dist|out|node_modules|\.cache|test-results)\//;
/** A placeholder, not a name: upper-case words (bench/NAME.bench.ts, FILE.o; but STYLE.md is a name), globs. */
const PLACEHOLDER = /(^|[/.])[A-Z][A-Z_]+(\/|\.(?!md$)|$)|[*<>{}$]/;

function docs(): string[] {
  return [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

function repoFileNames(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || ['node_modules', 'dist', 'out', 'test-results'].includes(e.name)) continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else names.add(e.name);
    }
  };
  walk(root);
  return names;
}

/** Path-like tokens of a Markdown text: words with a folder or a file extension. */
function pathTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w/.~-])((?:\.\.\/)*[\w.-]+(?:\/[\w.-]*)*)/g)) {
    const t = m[1].replace(/[.,:;)]+$/, '');
    if (t.includes('/') || EXT.test(t)) out.push(t);
  }
  return out;
}

function broken(doc: string, names: Set<string>): string[] {
  return brokenPaths(readFileSync(join(root, doc), 'utf8'), dirname(doc), names);
}

function brokenPaths(markdown: string, docDir: string, names: Set<string>): string[] {
  // Links: the target is what counts (the text is checked as words too).
  const text = markdown.replace(/\]\(([^)]+)\)/g, '] $1 ');
  const bad = new Set<string>();
  for (const t of pathTokens(text)) {
    if (t.startsWith('../shared/docs/')) continue;
    if (PLACEHOLDER.test(t) || SKIP.test(t) || /^https?:|^\w+:\/\//.test(t) || /^\d/.test(t)) continue;
    const first = t.replace(/^(\.\.\/)+/, '').split('/')[0];
    if (t.includes('/')) {
      // Other relative paths count when they name a file (an import specifier like '../helpers/x' does not).
      if (!TOP.includes(first) && !(t.startsWith('../') && EXT.test(t))) continue;
      if (!existsSync(join(root, t)) && !existsSync(join(root, docDir, t))) bad.add(t);
    } else if (t.endsWith('.md') || ROOT_FILES.test(t)) {
      if (!names.has(t)) bad.add(t);
    }
  }
  return [...bad];
}

test('every repository path named in README.md and docs/ exists', () => {
  const names = repoFileNames();
  const problems = docs().flatMap((d) => broken(d, names).map((p) => `${d}: ${p}`));
  assert.deepEqual(
    problems,
    [],
    `docs name files that do not exist (write notes outside the repository as ../shared/docs/NAME.md):\n${problems.join('\n')}`,
  );
});

test('the check itself: a missing path and a bare design note fail; the shared form, real paths and placeholders pass', () => {
  const md =
    'See docs/STYLE.md, [the design](DESIGN.md) and ../shared/docs/DESIGN.md; `bench/NAME.bench.ts`; ' +
    'extension/core/session.ts and testing.md; dist/agent.js; /sys/fs/bpf/x.json; [gone](../extension/gone.ts).';
  assert.deepEqual(brokenPaths(md, 'docs', repoFileNames()), ['docs/STYLE.md', 'DESIGN.md', '../extension/gone.ts']);
});

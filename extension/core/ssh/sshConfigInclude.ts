// ssh_config `Include`, the way OpenSSH reads it (the `ssh-config` library keeps the line but does not follow it):
// each argument is a file or a glob (`*`, `?`, `[...]` in any path component, matches sorted as glob(3) sorts them);
// `~` is the home, and a relative path is relative to ~/.ssh. The included text takes the Include line's place. An
// Include inside a Host or Match block is conditional in OpenSSH, and the including file's block goes on after it:
// when the included text opened blocks of its own, the enclosing block's header is repeated after it (or `Host *`
// at the top level), so the lines after the Include keep their condition. Nested up to 16 deep, as OpenSSH.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

const MAX_DEPTH = 16;
const INCLUDE = /^\s*Include(?:\s*=\s*|\s+)(.+)$/i;
const BLOCK = /^\s*(Host|Match)(\s*=\s*|\s+)/i;

function globRegExp(component: string): RegExp {
  let re = '';
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = component.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = component
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The paths a glob names (only those that exist), sorted; a path without wildcards is returned as it is. */
export function expandGlob(pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      found = found.map((d) => join(d, part));
      continue;
    }
    const re = globRegExp(part);
    found = found.flatMap((d) => {
      let names: string[] = [];
      try {
        names = readdirSync(d);
      } catch {
        return [];
      }
      // Like glob(3): dot files only when the pattern asks for them.
      return names.filter((n) => re.test(n) && (!n.startsWith('.') || part.startsWith('.'))).map((n) => join(d, n));
    });
  }
  return found.sort();
}

/** Splits an Include's arguments (spaces separate; double quotes keep a path with spaces whole). */
function includeArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** `text` with every Include replaced by what it names. `home`: for `~` and the default directory ~/.ssh. */
export function expandIncludes(text: string, home: string, depth = 0): string {
  if (depth > MAX_DEPTH) throw new Error(`ssh config: Include nested more than ${MAX_DEPTH} deep`);
  const out: string[] = [];
  let header: string | undefined;
  for (const line of text.split('\n')) {
    if (BLOCK.test(line)) header = line.trim();
    const m = INCLUDE.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    let opened = false;
    for (const arg of includeArgs(m[1].trim())) {
      const p = arg === '~' ? home : arg.startsWith('~/') ? join(home, arg.slice(2)) : isAbsolute(arg) ? arg : join(home, '.ssh', arg);
      for (const file of expandGlob(p)) {
        let included: string;
        try {
          included = readFileSync(file, 'utf8');
        } catch (e) {
          // OpenSSH skips a file it cannot find; anything else is an error, as for the main file.
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw new Error(`ssh config ${file} (Include): ${(e as Error).message}`);
        }
        const expanded = expandIncludes(included, home, depth + 1);
        if (expanded.split('\n').some((l) => BLOCK.test(l))) opened = true;
        out.push(`# Include ${file}`, expanded);
      }
    }
    // The rest of the including block keeps the block's condition.
    if (opened) out.push(header ?? 'Host *');
  }
  return out.join('\n');
}

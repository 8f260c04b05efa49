// Regular expressions from clients (trace filters) run on the agent's one thread for every line of a trace flood:
// a backtracking pattern like /(a+)+$/ would stall the agent, and with it every other request and stream. So they
// are compiled with V8's linear-time engine (the `l` flag, enabled below): matching time is linear in the line
// whatever the pattern, and patterns that engine cannot run (back-references, look-arounds) are refused with a
// message saying so. That engine has no `i` flag in the V8 of Node 20; case-insensitive filters lower-case the
// pattern (outside escapes) and the line instead.
import { setFlagsFromString } from 'node:v8';

let enabled: boolean | undefined;

function linearEngine(): boolean {
  if (enabled === undefined) {
    try {
      setFlagsFromString('--enable-experimental-regexp-engine');
      new RegExp('a', 'l');
      enabled = true;
    } catch {
      enabled = false;
    }
  }
  return enabled;
}

/** `source` with letters lower-cased, except escapes (\D, \W, \S, \B, \p{Lu}, \u{...}, \k<name> stay as written). */
function lowerOutsideEscapes(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c !== '\\') {
      out += c.toLowerCase();
      continue;
    }
    const next = source[i + 1] ?? '';
    out += c + next;
    i++;
    if ((next === 'p' || next === 'P' || next === 'u') && source[i + 1] === '{') {
      const close = source.indexOf('}', i);
      if (close > 0) {
        out += source.slice(i + 1, close + 1);
        i = close;
      }
    } else if (next === 'k' && source[i + 1] === '<') {
      const close = source.indexOf('>', i);
      if (close > 0) {
        out += source.slice(i + 1, close + 1);
        i = close;
      }
    }
  }
  return out;
}

/**
 * A test function for `source`/`flags` (flags of [imsu]) that runs in time linear in the line, or throws an Error
 * saying why not. Without V8's linear engine (an old Node), only patterns without any quantifier over a group are
 * accepted: without nested repetition a backtracking match is polynomial in the line, and lines are short.
 */
export function linearRegex(source: string, flags: string): (line: string) => boolean {
  const insensitive = flags.includes('i');
  const rest = flags.replace('i', '');
  const src = insensitive ? lowerOutsideEscapes(source) : source;
  let re: RegExp;
  if (linearEngine()) {
    try {
      re = new RegExp(src, `${rest}l`);
    } catch (e) {
      const msg = (e as Error).message;
      if (/linear time/.test(msg)) {
        throw new Error(
          'this regular expression cannot run in linear time (back-references and look-arounds are not supported in filters)',
        );
      }
      throw e;
    }
  } else {
    if (/\)[*+?{]/.test(source))
      throw new Error('this Node.js has no linear-time regular expressions: a quantifier after a group is not supported in filters');
    re = new RegExp(src, rest);
  }
  return insensitive ? (line) => re.test(line.toLowerCase()) : (line) => re.test(line);
}

// Command-line parsing on node's util.parseArgs (no dependency), strict: an unknown option or a missing value is a
// usage error that names the option and the command, never silently ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './cliError';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const commonOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  verbose: { type: 'boolean', short: 'v' },
} as const satisfies OptionSpec;

/** Options of commands that talk to a host. */
export const hostOptions = {
  host: { type: 'string', short: 'H' },
} as const satisfies OptionSpec;

export interface Parsed<T> {
  values: T;
  positionals: string[];
}

export function parseCommand<const O extends OptionSpec>(
  command: string,
  argv: string[],
  options: O,
): Parsed<ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']> {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values, positionals: r.positionals };
  } catch (e) {
    const err = e as Error & { code?: string };
    // node's messages are good but long ("... To specify a positional argument starting with a '-', place it at
    // the end of the command after '--', as in '-- "-x"'"): keep the first sentence.
    const first = err.message.split(/\. (?=[A-Z])/)[0].replace(/\.$/, '');
    throw usageError(`${command}: ${first}`);
  }
}

/** The host to work on: --host, else $EBPF_NETDEBUG_HOST; `local` is this machine. */
export function requireHost(command: string, host: string | undefined, env: NodeJS.ProcessEnv): string {
  const h = host ?? env.EBPF_NETDEBUG_HOST;
  if (!h || !h.trim())
    throw usageError(`${command}: --host is required (--host local for this machine, or an ssh_config alias / user@host[:port])`);
  return h.trim();
}

/** `--set NAME=VALUE` (repeatable) -> { NAME: "VALUE" }. */
export function parseAssignments(option: string, items: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items ?? []) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usageError(`${option} ${item}: expected NAME=VALUE with a C identifier as NAME`);
    if (name in out) throw usageError(`${option}: ${name} is given twice`);
    out[name] = item.slice(eq + 1);
  }
  return out;
}

export function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw usageError(`${option} ${value}: expected one of ${allowed.join(', ')}`);
  return value as T;
}

export function positiveNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${option} ${value}: expected a positive number`);
  return n;
}

export function exactlyOne(command: string, what: string, positionals: string[]): string {
  if (positionals.length === 0) throw usageError(`${command}: ${what} is required`);
  if (positionals.length > 1) throw usageError(`${command}: expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0];
}

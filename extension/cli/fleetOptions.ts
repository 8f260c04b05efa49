// The options that turn a command into a fleet command: `--hosts H1,H2,...` or `--inventory FILE [--limit PATTERN]`,
// with `--parallel N` (connections at once, default 10; $EBPF_NETDEBUG_PARALLEL) and `--stagger MS` (between two
// connection starts, default 50). Taken out of argv before the command's own parser sees it.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONCURRENCY, DEFAULT_STAGGER_MS, type BoundOptions } from '../core/fleet/bounded';
import { InventoryError, parseHostList, readInventory, type FleetHost } from '../core/fleet/inventory';
import { usageError } from './cliError';

export interface FleetOptions {
  hosts: FleetHost[];
  bounds: BoundOptions;
}

const VALUE_OPTIONS = ['--hosts', '--inventory', '--limit', '--parallel', '--stagger'] as const;

/** Whether argv asks for several hosts (before `--`). */
export function wantsFleet(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (['--hosts', '--inventory'].some((o) => a === o || a.startsWith(`${o}=`))) return true;
  }
  return false;
}

function wholeNumber(option: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw usageError(`${option} ${v}: expected a whole number from ${min} to ${max}`);
  return n;
}

/** Takes the fleet options out of argv; the rest goes to the command. */
export function takeFleetOptions(command: string, argv: string[], env: NodeJS.ProcessEnv): { fleet: FleetOptions; argv: string[] } {
  const values: Partial<Record<(typeof VALUE_OPTIONS)[number], string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const opt = VALUE_OPTIONS.find((o) => a === o || a.startsWith(`${o}=`));
    if (!opt) {
      rest.push(a);
      continue;
    }
    const v = a === opt ? argv[++i] : a.slice(opt.length + 1);
    if (v === undefined || v === '' || (a === opt && v.startsWith('-'))) throw usageError(`${command}: ${opt} needs a value`);
    if (values[opt] !== undefined) throw usageError(`${command}: ${opt} is given twice`);
    values[opt] = v;
  }
  if (rest.some((a) => a === '--host' || a === '-H' || a.startsWith('--host=')))
    throw usageError(`${command}: --host and --hosts/--inventory exclude each other`);
  if (values['--hosts'] && values['--inventory']) throw usageError(`${command}: give --hosts or --inventory, not both`);
  if (values['--limit'] && !values['--inventory']) throw usageError(`${command}: --limit applies to --inventory`);
  let hosts: FleetHost[];
  try {
    if (values['--inventory']) {
      hosts = readInventory(values['--inventory'], values['--limit']);
    } else {
      // Patterns (web-*) are expanded against the user's ssh_config aliases.
      const config = join(env.HOME ?? homedir(), '.ssh', 'config');
      hosts = parseHostList(values['--hosts'] ?? '', existsSync(config) ? readFileSync(config, 'utf8') : '');
    }
  } catch (e) {
    if (e instanceof InventoryError) throw usageError(`${command}: ${e.message}`);
    throw e;
  }
  const parallel = values['--parallel'] ?? env.EBPF_NETDEBUG_PARALLEL;
  const bounds: BoundOptions = {
    concurrency: parallel !== undefined ? wholeNumber('--parallel', parallel, 1, 1000) : DEFAULT_CONCURRENCY,
    staggerMs: values['--stagger'] !== undefined ? wholeNumber('--stagger', values['--stagger'], 0, 60_000) : DEFAULT_STAGGER_MS,
  };
  return { fleet: { hosts, bounds }, argv: rest };
}

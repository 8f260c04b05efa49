// Which hosts a fleet command works on: `--hosts H1,H2` (ssh_config aliases, user@host[:port], `local`, or ssh_config
// Host patterns like `web-*` expanded against the aliases the config names), or `--inventory FILE`: an Ansible
// inventory (INI or YAML) or an ssh_config file. `--limit` picks groups or hosts (globs) as Ansible's does.
// A FleetHost keeps the name the user knows (output is grouped by it) apart from what openSession is given.
import { readFileSync } from 'node:fs';
import type SSHConfigClass from 'ssh-config' with { 'resolution-mode': 'import' };
import { load as loadYaml } from 'js-yaml';
import { parseHostSpec } from '../ssh/hostSpec';

// ssh-config's CommonJS build typed from its ESM declarations, as in ../ssh/sshConfig.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SSHConfig = (require('ssh-config') as { default: typeof SSHConfigClass }).default;

export interface FleetHost {
  /** What the output calls it: the inventory name, or what --hosts gave. */
  name: string;
  /** What openSession takes: `local`, an alias, or user@host[:port]. */
  spec: string;
}

export class InventoryError extends Error {}

const GLOB = /[*?]/;

function globRe(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/** The concrete aliases of an ssh_config text (Host values without wildcards or negation), in file order. */
export function sshConfigAliases(text: string): string[] {
  const out: string[] = [];
  for (const line of SSHConfig.parse(text)) {
    if (!('param' in line) || line.param?.toLowerCase() !== 'host') continue;
    const values = Array.isArray(line.value) ? line.value.map((v) => v.val) : String(line.value).split(/\s+/);
    for (const v of values) if (v && !GLOB.test(v) && !v.startsWith('!') && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * `--hosts a,b,root@10.0.0.1:2222,web-*`: each item a host spec, or a glob over `sshConfigText`'s aliases. Empty items,
 * duplicates and a pattern matching nothing are errors (a typo must not shrink the fleet silently).
 */
export function parseHostList(text: string, sshConfigText = ''): FleetHost[] {
  const items = text.split(',').map((s) => s.trim());
  if (!items.length || items.some((s) => s === ''))
    throw new InventoryError(`--hosts ${JSON.stringify(text)}: expected H1,H2,... without empty items`);
  const out: FleetHost[] = [];
  const add = (h: string) => {
    if (out.some((x) => x.name === h)) throw new InventoryError(`--hosts: ${h} is given twice`);
    out.push({ name: h, spec: h });
  };
  for (const item of items) {
    if (GLOB.test(item)) {
      const re = globRe(item);
      const matched = sshConfigAliases(sshConfigText).filter((a) => re.test(a));
      if (!matched.length) throw new InventoryError(`--hosts: the pattern ${item} matches no Host of the ssh_config`);
      matched.forEach(add);
      continue;
    }
    if (item !== 'local') {
      try {
        parseHostSpec(item);
      } catch (e) {
        throw new InventoryError(`--hosts: ${(e as Error).message}`);
      }
    }
    add(item);
  }
  return out;
}

interface Group {
  hosts: Map<string, Record<string, string>>;
  vars: Record<string, string>;
  children: string[];
}

class Groups {
  readonly byName = new Map<string, Group>();
  get(name: string): Group {
    let g = this.byName.get(name);
    if (!g) {
      g = { hosts: new Map(), vars: {}, children: [] };
      this.byName.set(name, g);
    }
    return g;
  }
  /** Every host of a group and its children, with the variables that apply (host vars over group vars, child over parent). */
  collect(name: string, inherited: Record<string, string>, out: Map<string, Record<string, string>>, seen = new Set<string>()): void {
    if (seen.has(name)) throw new InventoryError(`inventory: group ${name} contains itself`);
    seen.add(name);
    const g = this.byName.get(name);
    if (!g) return;
    const vars = { ...inherited, ...g.vars };
    for (const [h, hv] of g.hosts) out.set(h, { ...vars, ...(out.get(h) ?? {}), ...hv });
    for (const c of g.children) this.collect(c, vars, out, new Set(seen));
  }
}

/** `web[01:03].example.com` -> web01.example.com, web02..., like Ansible's numeric ranges. */
function expandRange(name: string, where: string): string[] {
  const m = /^(.*)\[(\d+):(\d+)\](.*)$/.exec(name);
  if (!m) return [name];
  const [, pre, a, b, post] = m;
  const from = Number(a);
  const to = Number(b);
  if (to < from || to - from > 10_000) throw new InventoryError(`${where}: bad range [${a}:${b}]`);
  const width = a.length;
  return Array.from({ length: to - from + 1 }, (_, i) => `${pre}${String(from + i).padStart(width, '0')}${post}`);
}

function parseVars(words: string[], where: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new InventoryError(`${where}: expected NAME=VALUE, got ${JSON.stringify(w)}`);
    vars[w.slice(0, eq)] = w.slice(eq + 1).replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

function parseIni(text: string, file: string): Groups {
  const groups = new Groups();
  groups.get('all');
  let section = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' = 'hosts';
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = raw.replace(/\s[#;].*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (head) {
      section = head[1];
      kind = (head[2] as 'vars' | 'children' | undefined) ?? 'hosts';
      groups.get(section);
      return;
    }
    if (line.startsWith('[')) throw new InventoryError(`${where}: bad section header ${line}`);
    const words = line.split(/\s+/);
    if (kind === 'vars') Object.assign(groups.get(section).vars, parseVars(words, where));
    else if (kind === 'children') groups.get(section).children.push(words[0]);
    else for (const h of expandRange(words[0], where)) groups.get(section).hosts.set(h, parseVars(words.slice(1), where));
  });
  // Ansible's implicit tree: every group is a child of `all`.
  for (const name of groups.byName.keys()) if (name !== 'all') groups.get('all').children.push(name);
  return groups;
}

function asRecord(v: unknown, where: string): Record<string, unknown> {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new InventoryError(`${where}: expected a mapping`);
  return v as Record<string, unknown>;
}

function scalars(v: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asRecord(v, where))) {
    if (x !== null && typeof x === 'object') continue; // structured variables mean nothing to how we connect
    out[k] = String(x);
  }
  return out;
}

function parseYamlInventory(text: string, file: string): Groups {
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (e) {
    throw new InventoryError(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const groups = new Groups();
  const walk = (name: string, body: unknown, where: string) => {
    const b = asRecord(body, where);
    const g = groups.get(name);
    for (const key of Object.keys(b)) {
      if (!['hosts', 'vars', 'children'].includes(key))
        throw new InventoryError(`${where}: unexpected key ${key} (a group holds hosts, vars, children)`);
    }
    for (const [h, hv] of Object.entries(asRecord(b.hosts, `${where}.hosts`))) {
      for (const x of expandRange(h, `${where}.hosts`)) g.hosts.set(x, scalars(hv, `${where}.hosts.${h}`));
    }
    Object.assign(g.vars, scalars(b.vars, `${where}.vars`));
    for (const [c, cb] of Object.entries(asRecord(b.children, `${where}.children`))) {
      g.children.push(c);
      walk(c, cb, `${where}.children.${c}`);
    }
  };
  const top = asRecord(doc, file);
  for (const [name, body] of Object.entries(top)) walk(name, body, `${file}: ${name}`);
  return groups;
}

/** What openSession is given for an inventory host: ansible_host / ansible_user / ansible_port over the name. */
function specOf(name: string, vars: Record<string, string>, where: string): string {
  const address = vars.ansible_host ?? vars.ansible_ssh_host ?? name;
  const user = vars.ansible_user ?? vars.ansible_ssh_user;
  const port = vars.ansible_port ?? vars.ansible_ssh_port;
  if (vars.ansible_connection === 'local') return 'local';
  const hostPart = address.includes(':') ? `[${address}]` : address;
  const spec = `${user ? `${user}@` : ''}${port || address.includes(':') ? `${hostPart}${port ? `:${port}` : ''}` : hostPart}`;
  try {
    parseHostSpec(spec);
  } catch (e) {
    throw new InventoryError(`${where}: host ${name}: ${(e as Error).message}`);
  }
  return spec;
}

export type InventoryFormat = 'ini' | 'yaml' | 'ssh_config';

export function detectFormat(file: string, text: string): InventoryFormat {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  const first = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  if (first && /^(Host|Match)\s/i.test(first)) return 'ssh_config';
  if (first && (first === '---' || /^[A-Za-z0-9_-]+:\s*$/.test(first))) return 'yaml';
  return 'ini';
}

/**
 * The hosts of an inventory text, optionally narrowed by `limit` (comma-separated group or host names, globs
 * allowed). Hosts keep their first appearance's order.
 */
export function parseInventory(file: string, text: string, limit?: string): FleetHost[] {
  const format = detectFormat(file, text);
  let all: Map<string, Record<string, string>>;
  let groups: Groups | undefined;
  if (format === 'ssh_config') {
    all = new Map(sshConfigAliases(text).map((a) => [a, {}]));
  } else {
    groups = format === 'yaml' ? parseYamlInventory(text, file) : parseIni(text, file);
    all = new Map();
    groups.collect('all', {}, all);
    // Groups not reachable from `all` (a YAML file with several top-level groups) still count.
    for (const name of groups.byName.keys()) groups.collect(name, {}, all);
  }
  let chosen = [...all.keys()];
  if (limit !== undefined) {
    const patterns = limit
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!patterns.length) throw new InventoryError('--limit: empty');
    const picked = new Set<string>();
    for (const p of patterns) {
      const re = globRe(p);
      let hit = false;
      for (const [gname] of groups?.byName ?? []) {
        if (!re.test(gname)) continue;
        const members = new Map<string, Record<string, string>>();
        groups!.collect(gname, {}, members);
        for (const h of members.keys()) {
          picked.add(h);
          hit = true;
        }
      }
      for (const h of all.keys())
        if (re.test(h)) {
          picked.add(h);
          hit = true;
        }
      if (!hit) throw new InventoryError(`--limit: ${p} matches no group or host of ${file}`);
    }
    chosen = chosen.filter((h) => picked.has(h));
  }
  if (!chosen.length) throw new InventoryError(`${file}: no hosts`);
  return chosen.map((h) => ({ name: h, spec: format === 'ssh_config' ? h : specOf(h, all.get(h)!, file) }));
}

export function readInventory(file: string, limit?: string): FleetHost[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InventoryError(
      `--inventory ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  return parseInventory(file, text, limit);
}

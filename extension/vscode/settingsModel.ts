// The extension's settings, validated in one place (../shared/docs/STYLE.md #7). VS Code-free so test/unit can check the
// validation with plain node --test: a bad value becomes its default and a warning naming the setting, never a throw.

import { DEFAULT_TRACE_MAX_ROWS } from '../../protocol/webview';

export type XdpDefaultMode = 'ask' | 'native' | 'generic';

/** One host the user can connect to. */
export interface HostSetting {
  name: string;
  /** `local`, an ssh_config alias, or user@host[:port]. */
  target: string;
  bpftoolPath?: string;
  identityFile?: string;
  knownHostsFile?: string;
  /**
   * What the host's packet path tracer and Compare Two Hosts see: `own` only the agent's own network namespace (a
   * container host's view; namespace hosts sharing one kernel), `all` every namespace of the kernel (the default).
   */
  netnsScope?: NetnsScope;
}

export type NetnsScope = 'own' | 'all';

/** A host's network namespace scope, `all` unless its setting says `own`. */
export function netnsScopeOf(host: Pick<HostSetting, 'netnsScope'>): NetnsScope {
  return host.netnsScope ?? 'all';
}

export interface SettingsValues {
  hosts: HostSetting[];
  defaultHost: string;
  autoConnect: boolean;
  /** Host connections opened at once (issue 13: bounded, staggered). */
  connectConcurrency: number;
  xdpDefaultMode: XdpDefaultMode;
  /** Seconds; 0 = no dead-man switch. */
  confirmWithin: number;
  traceMaxRows: number;
  clangPath: string;
  compileExtraFlags: string[];
  clangdEnabled: boolean;
  clangdPath: string;
  /** An offline copy of the agent runtime ('' = the extension's own, or $EBPF_NETDEBUG_RUNTIME_DIR). */
  runtimeDir: string;
}

export const defaultSettings: SettingsValues = {
  hosts: [],
  defaultHost: '',
  autoConnect: true,
  connectConcurrency: 10,
  xdpDefaultMode: 'ask',
  confirmWithin: 15,
  traceMaxRows: DEFAULT_TRACE_MAX_ROWS,
  clangPath: 'clang',
  compileExtraFlags: [],
  clangdEnabled: true,
  clangdPath: 'clangd',
  runtimeDir: '',
};

/** Reads one raw value by its key under `ebpfNetDebug.` (e.g. "xdp.defaultMode"). */
export type RawSettingReader = (key: string) => unknown;

export interface ParsedSettings {
  values: SettingsValues;
  warnings: string[];
}

const hostName = /^[A-Za-z0-9_.@:-]{1,64}$/;
// No whitespace or shell/ssh option characters: a target starting with '-' would be an ssh option.
const hostTarget = /^(local|[A-Za-z0-9_.][A-Za-z0-9_.@:[\]%-]{0,253})$/;

export function parseSettings(read: RawSettingReader): ParsedSettings {
  const warnings: string[] = [];
  const bad = (key: string, why: string, fallback: unknown) =>
    warnings.push(`Setting ebpfNetDebug.${key} ${why}; using ${JSON.stringify(fallback)}.`);

  const str = (key: string, def: string, ok: (s: string) => boolean = () => true, why = 'is not valid'): string => {
    const v = read(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') {
      bad(key, 'must be a string', def);
      return def;
    }
    if (!ok(v)) {
      bad(key, why, def);
      return def;
    }
    return v;
  };
  const num = (key: string, def: number, min: number, max: number): number => {
    const v = read(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      bad(key, `must be a number from ${min} to ${max}`, def);
      return def;
    }
    return v;
  };
  const bool = (key: string, def: boolean): boolean => {
    const v = read(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      bad(key, 'must be true or false', def);
      return def;
    }
    return v;
  };

  const hosts = parseHosts(read('hosts'), warnings);
  const names = new Set(hosts.map((h) => h.name));
  const defaultHost = str('defaultHost', '', (s) => s === '' || names.has(s), 'names no host of ebpfNetDebug.hosts');
  const mode = str('xdp.defaultMode', 'ask', (s) => ['ask', 'native', 'generic'].includes(s), 'must be ask, native or generic');

  const flags = read('compile.extraFlags');
  let compileExtraFlags: string[] = [];
  if (flags !== undefined && flags !== null) {
    if (Array.isArray(flags) && flags.every((f) => typeof f === 'string')) compileExtraFlags = flags;
    else bad('compile.extraFlags', 'must be a list of strings', []);
  }

  return {
    warnings,
    values: {
      hosts,
      defaultHost,
      autoConnect: bool('autoConnect', defaultSettings.autoConnect),
      connectConcurrency: Math.round(num('connectConcurrency', defaultSettings.connectConcurrency, 1, 100)),
      xdpDefaultMode: mode as XdpDefaultMode,
      confirmWithin: num('confirmWithin', defaultSettings.confirmWithin, 0, 600),
      traceMaxRows: Math.round(num('trace.maxRows', defaultSettings.traceMaxRows, 100, 1_000_000)),
      clangPath: str('compile.clangPath', 'clang', (s) => s.trim() !== ''),
      compileExtraFlags,
      clangdEnabled: bool('clangd.enabled', true),
      clangdPath: str('clangd.path', 'clangd', (s) => s.trim() !== ''),
      runtimeDir: str(
        'runtimeDir',
        '',
        (s) => s === '' || plainAbsolutePath.test(s),
        'must be an absolute path without spaces, quotes or control characters',
      ),
    },
  };
}

/** An absolute path with no whitespace, control character, quote or backslash (ssh_config and argv safe). */
const plainAbsolutePath = /^\/[^\s\x00-\x1f\x7f"'\\]*$/;

function parseHosts(raw: unknown, warnings: string[]): HostSetting[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    warnings.push('Setting ebpfNetDebug.hosts must be a list of {name, target}; using [].');
    return [];
  }
  const out: HostSetting[] = [];
  raw.forEach((h: unknown, i) => {
    const where = `ebpfNetDebug.hosts[${i}]`;
    if (typeof h !== 'object' || h === null) {
      warnings.push(`Setting ${where} is not an object; skipped.`);
      return;
    }
    const o = h as Record<string, unknown>;
    if (typeof o.target !== 'string' || !hostTarget.test(o.target)) {
      warnings.push(`Setting ${where}.target must be local, an ssh_config alias or user@host[:port]; host skipped.`);
      return;
    }
    const name = typeof o.name === 'string' && o.name !== '' ? o.name : o.target;
    if (!hostName.test(name)) {
      warnings.push(`Setting ${where}.name ${JSON.stringify(name)} is not a valid name; host skipped.`);
      return;
    }
    if (out.some((x) => x.name === name)) {
      warnings.push(`Setting ${where}.name ${JSON.stringify(name)} is used twice; host skipped.`);
      return;
    }
    const host: HostSetting = { name, target: o.target };
    for (const key of ['bpftoolPath', 'identityFile', 'knownHostsFile'] as const) {
      const v = o[key];
      if (v === undefined) continue;
      // These reach an argv (bpftoolPath) or a generated ssh_config (the files): a newline would add config lines
      // (`StrictHostKeyChecking no`), a space would split one path into two.
      if (typeof v === 'string' && plainAbsolutePath.test(v)) host[key] = v;
      else warnings.push(`Setting ${where}.${key} must be an absolute path without spaces, quotes or control characters; ignored.`);
    }
    if (o.netnsScope !== undefined) {
      if (o.netnsScope === 'own' || o.netnsScope === 'all') host.netnsScope = o.netnsScope;
      else warnings.push(`Setting ${where}.netnsScope must be "own" or "all"; using "all".`);
    }
    // `sudo` was never read: the agent runs through `sudo -n` by itself when the login is not root (docs/ssh.md).
    if (o.sudo !== undefined)
      warnings.push(`Setting ${where}.sudo is not used (the agent runs through sudo -n by itself when the login is not root); remove it.`);
    out.push(host);
  });
  return out;
}

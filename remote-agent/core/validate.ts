// Validation of every name a request carries, before it reaches an argv. Arguments are never given to a shell,
// but a name like "eth0;reboot" or "../../etc" is still wrong, and saying so early (naming the argument) beats a
// confusing tool error later.
import { existsSync, realpathSync } from 'node:fs';
import { badArgument, notFound } from './errors';
import { NETNS_DIR } from './runner';
import { BPFFS, isReservedName, RESERVED_NAMES, RESERVED_PREFIX } from './paths';

const IFNAMSIZ = 16; // includes the terminating NUL: names are at most 15 characters

/**
 * Interface names: 1-15 characters of letters, digits, '_', '-', '.' (what `ip link add` accepts in practice), not
 * starting with '-': bpftool and tc would read "-h" as an option (a detach of `tcx:root:-h:ingress` printed help
 * and exited 0).
 */
export function validateIfName(value: unknown, argument = 'dev'): string {
  if (typeof value !== 'string' || value.length === 0) throw badArgument(argument, 'an interface name is required');
  if (value.length >= IFNAMSIZ) throw badArgument(argument, `interface name "${value}" is longer than ${IFNAMSIZ - 1} characters`);
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(value) || value === '.' || value === '..') {
    throw badArgument(argument, `interface name "${value}" may only hold letters, digits, '_', '-' and '.', and not start with '-'`);
  }
  return value;
}

/** A network namespace: 'root' or a name that exists under /run/netns. */
export function validateNetns(value: unknown, argument = 'netns', netnsDir = NETNS_DIR): string {
  if (value === undefined || value === null || value === '' || value === 'root') return 'root';
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,63}$/.test(value) || value === '.' || value === '..') {
    throw badArgument(argument, `network namespace "${String(value)}" is not a valid name (letters, digits, '_', '-', '.')`);
  }
  if (!existsSync(`${netnsDir}/${value}`)) throw notFound(argument, `${argument}: no network namespace "${value}" under ${netnsDir}`);
  return value;
}

/** Object names: pins go to /sys/fs/bpf/ebpf-netdebug/NAME. */
export function validateObjectName(value: unknown, argument = 'name'): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/.test(value)) {
    throw badArgument(
      argument,
      `object name "${String(value).slice(0, 80)}" must be 1-64 letters, digits, '_' or '-', not starting with '-'`,
    );
  }
  if (isReservedName(value))
    throw badArgument(argument, `"${value}" is reserved for the agent's own pins (${RESERVED_NAMES.join(', ')}, ${RESERVED_PREFIX}*)`);
  return value;
}

/** Program/map names inside an object (C identifiers, as bpftool pins them). */
export function validateSymbolName(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) {
    throw badArgument(argument, `"${String(value)}" is not a program or map name`);
  }
  return value;
}

/** Lab names: namespaces are end_NAME_ROLE, so keep them short and plain. */
export function validateLabName(value: unknown, argument = 'name'): string {
  if (typeof value !== 'string' || !/^[a-z0-9]{1,8}$/.test(value)) {
    throw badArgument(argument, `lab name "${String(value)}" must be 1-8 lowercase letters or digits`);
  }
  return value;
}

const SAFE_PATH = /^\/[A-Za-z0-9_.@/-]*$/;

/** An absolute path made of plain characters, with no '..' component. */
function plainAbsolutePath(value: unknown, argument: string): string {
  if (typeof value !== 'string' || !SAFE_PATH.test(value)) {
    throw badArgument(argument, `"${String(value)}" is not an absolute path of letters, digits, '_', '-', '.', '@' and '/'`);
  }
  if (value.split('/').some((c) => c === '..' || c === '.'))
    throw badArgument(argument, `"${value}" must not contain '.' or '..' components`);
  return value.replace(/\/+$/, '') || '/';
}

/** A pin path inside bpffs. `mustExist` also checks it is there (and resolves to a place inside bpffs). */
export function validatePinPath(value: unknown, argument = 'pin', mustExist = false): string {
  const p = plainAbsolutePath(value, argument);
  if (!p.startsWith(`${BPFFS}/`)) throw badArgument(argument, `pin path "${p}" is not inside ${BPFFS}`);
  if (mustExist) {
    if (!existsSync(p)) throw notFound(argument, `${argument}: nothing is pinned at ${p}`);
    if (!realpathSync(p).startsWith(`${BPFFS}/`)) throw badArgument(argument, `pin path "${p}" leaves ${BPFFS}`);
  }
  return p;
}

/** A cgroup v2 directory: absolute, inside the v2 mount (after resolving links). */
export function validateCgroupPath(value: unknown, cgroupRoot: string, argument = 'cgroup', mustExist = true): string {
  const p = plainAbsolutePath(value, argument);
  if (p !== cgroupRoot && !p.startsWith(`${cgroupRoot}/`)) {
    throw badArgument(argument, `cgroup "${p}" is not inside the cgroup v2 hierarchy at ${cgroupRoot}`);
  }
  if (mustExist) {
    if (!existsSync(p)) throw notFound(argument, `${argument}: no cgroup directory ${p}`);
    const real = realpathSync(p);
    if (real !== cgroupRoot && !real.startsWith(`${cgroupRoot}/`)) throw badArgument(argument, `cgroup "${p}" leaves ${cgroupRoot}`);
  }
  return p;
}

export function validateEnum<T extends string>(value: unknown, allowed: readonly T[], argument: string, fallback?: T): T {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw badArgument(argument, `"${String(value)}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function requireObject(params: unknown, method: string): Record<string, unknown> {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw badArgument('params', `${method} needs an object of named parameters`);
  }
  return params as Record<string, unknown>;
}

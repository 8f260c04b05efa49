// Where the agent keeps things on a host. Everything it pins lives under PIN_ROOT so it can list and clean up
// exactly its own objects (../shared/docs/DESIGN.md "Names").
export const BPFFS = '/sys/fs/bpf';
export const PIN_ROOT = '/sys/fs/bpf/ebpf-netdebug';
export const TRACEFS = '/sys/kernel/tracing';
export const TRACE_PIPE = '/sys/kernel/tracing/trace_pipe';
export const KERNEL_BTF = '/sys/kernel/btf/vmlinux';
/** cgroup v2 mount candidates, in order: the hybrid layout of this kind of machine, then the unified layout. */
export const CGROUP2_CANDIDATES = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup'];

/**
 * Names under PIN_ROOT that are the agent's own and never objects a client can load, unload or attach by name:
 * the packet path tracers' directory (every session's tracers live there) and temporary pins (`tmp_*`: tc's pin
 * of an id:N program, an object.load before it is renamed into place).
 */
export const RESERVED_NAMES = ['packet_path_tracers'];
export const RESERVED_PREFIX = 'tmp_';
export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.includes(name) || name.startsWith(RESERVED_PREFIX);
}

export function objectDir(name: string): string {
  return `${PIN_ROOT}/${name}`;
}
export function objectMapsDir(name: string): string {
  return `${PIN_ROOT}/${name}/maps`;
}
/** Links that `autoattach` pins for tracepoint programs of an object. */
export function objectLinksDir(name: string): string {
  return `${PIN_ROOT}/${name}/links`;
}

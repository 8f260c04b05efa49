// Where `ebpf-netdebug host install-launcher` puts the root-owned launcher and its files (launcher.ts), for the
// probe that looks for it and the deployment that uses it.
export const LAUNCHER_PATH = '/usr/local/sbin/ebpf-netdebug-agent';
export const LAUNCHER_CONF = '/etc/ebpf-netdebug';
export const LAUNCHER_LIB = '/usr/local/lib/ebpf-netdebug';

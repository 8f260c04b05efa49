// Several hosts at once (issue 13), the decisions without VS Code so test/unit/vscode-model can check them: which
// host a command acts on, what the status bar and a host's tree row say. context.ts keeps the states, the tree and
// the status bar show them, the command table asks resolveCommandHost.

/** One host's connection as the editor shows it; a host with no entry is disconnected. */
export type HostStateKind = 'connecting' | 'connected' | 'reconnecting' | 'failed';

export interface HostStatus {
  name: string;
  kind: HostStateKind;
  /** Why it failed (failed only). */
  error?: string;
}

/**
 * The host a command acts on: the host of the tree row it was run on, else of the selected row, else the only
 * connected host; with several connected and nothing selected, the user is asked (`ask`, the connected hosts, the
 * default host first); with none connected, `connect` (the caller connects the obvious host or offers Connect).
 */
export function resolveCommandHost(q: {
  argHost?: string;
  selectedHost?: string;
  connected: readonly string[];
  defaultHost?: string;
}): { host: string } | { ask: string[] } | { connect: string | undefined } {
  if (q.argHost) return q.connected.includes(q.argHost) ? { host: q.argHost } : { connect: q.argHost };
  if (q.selectedHost && q.connected.includes(q.selectedHost)) return { host: q.selectedHost };
  if (q.connected.length === 1) return { host: q.connected[0] };
  if (q.connected.length === 0) return { connect: undefined };
  const def = q.defaultHost && q.connected.includes(q.defaultHost) ? [q.defaultHost] : [];
  return { ask: [...def, ...q.connected.filter((h) => !def.includes(h))] };
}

/** The host a command argument names: a tree node carries `hostName` (a host row) or `idx.hostName` (rows under it). */
export function hostOfArg(arg: unknown): string | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const o = arg as { hostName?: unknown; idx?: { hostName?: unknown } };
  if (typeof o.hostName === 'string') return o.hostName;
  if (o.idx && typeof o.idx === 'object' && typeof o.idx.hostName === 'string') return o.idx.hostName;
  return undefined;
}

/** Every host named by a command's arguments (the clicked row and the multi-selection), in order, once each. */
export function hostsOfArgs(args: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const a of args.flatMap((x) => (Array.isArray(x) ? x : [x]))) {
    const h = hostOfArg(a);
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}

export interface StatusBarText {
  text: string;
  tooltip: string;
  /** The item's look: error (something failed and nothing is connected), warning (reconnecting), or plain. */
  tone: 'plain' | 'warning' | 'error';
  icon: 'pulse' | 'sync~spin' | 'error' | 'debug-disconnect';
}

/**
 * One host: its name and state, as before ("eBPF: lab"). Several: how many are connected ("eBPF: 3 hosts"), the
 * others counted in the tooltip. `preferred` names the host a click would connect when none is.
 */
export function statusBarText(states: readonly HostStatus[], preferred: string | undefined): StatusBarText {
  const live = states.filter((s) => s.kind === 'connected' || s.kind === 'reconnecting');
  const connecting = states.filter((s) => s.kind === 'connecting');
  const failed = states.filter((s) => s.kind === 'failed');
  const reconnecting = states.filter((s) => s.kind === 'reconnecting');
  const detail = (s: HostStatus) => `${s.name}: ${s.kind === 'failed' ? `failed (${s.error ?? 'unknown reason'})` : s.kind}`;
  if (states.length === 0) {
    return preferred
      ? {
          text: `eBPF: ${preferred}`,
          tooltip: `eBPF host ${preferred}: not connected. Click to connect.`,
          tone: 'plain',
          icon: 'debug-disconnect',
        }
      : { text: 'eBPF: no host', tooltip: 'No eBPF host configured. Click to connect to one.', tone: 'plain', icon: 'debug-disconnect' };
  }
  if (states.length === 1) {
    const s = states[0];
    switch (s.kind) {
      case 'connected':
        return {
          text: `eBPF: ${s.name}`,
          tooltip: `eBPF host ${s.name}: connected. Click to connect another host.`,
          tone: 'plain',
          icon: 'pulse',
        };
      case 'reconnecting':
        return {
          text: `eBPF: ${s.name}`,
          tooltip: `eBPF host ${s.name}: connection lost, reconnecting...`,
          tone: 'warning',
          icon: 'sync~spin',
        };
      case 'connecting':
        return { text: `eBPF: ${s.name}`, tooltip: `eBPF host ${s.name}: connecting...`, tone: 'plain', icon: 'sync~spin' };
      default:
        return {
          text: `eBPF: ${s.name}`,
          tooltip: `eBPF host ${s.name}: ${s.error ?? 'failed'}. Click to connect again.`,
          tone: 'error',
          icon: 'error',
        };
    }
  }
  const tooltip = `eBPF hosts: ${live.length} connected\n${states.map(detail).join('\n')}`;
  const icon = live.length ? (reconnecting.length || connecting.length ? 'sync~spin' : 'pulse') : connecting.length ? 'sync~spin' : 'error';
  const tone = reconnecting.length ? 'warning' : !live.length && !connecting.length && failed.length ? 'error' : 'plain';
  return { text: `eBPF: ${live.length} host${live.length === 1 ? '' : 's'}`, tooltip, tone, icon };
}

/** A host row's description: its target and state, the reason when it failed. */
export function hostRowDescription(target: string, s: HostStatus | undefined, kernelRelease?: string): string {
  if (!s) return `${target} · disconnected`;
  if (s.kind === 'connected') return `${target} · connected${kernelRelease ? ` · kernel ${kernelRelease}` : ''}`;
  if (s.kind === 'failed') return `${target} · failed: ${s.error ?? 'unknown reason'}`;
  return `${target} · ${s.kind}`;
}

/** What a rollout report needs for its summary (core/fleet/rollout.ts RolloutReport, without the attach results). */
export interface RolloutOutcome {
  status: 'completed' | 'stopped';
  attached: { host: string }[];
  failures: { host: string; stage: 'attach' | 'check'; error: { message: string } }[];
  undone: { host: string; ok: boolean; error?: { message: string } }[];
  notTried: string[];
}

/** One line for the rollout's end: where it is attached, or where it stopped, why, and what was undone. */
export function rolloutSummary(what: string, r: RolloutOutcome): string {
  const n = (k: number) => `${k} host${k === 1 ? '' : 's'}`;
  if (r.status === 'completed') return `Rolled out ${what} to ${n(r.attached.length)}: ${r.attached.map((a) => a.host).join(', ')}.`;
  const failed = r.failures.map((f) => `${f.host} failed at ${f.stage}: ${f.error.message}`).join('; ');
  const undone = r.undone.filter((u) => u.ok).map((u) => u.host);
  const stuck = r.undone.filter((u) => !u.ok).map((u) => `${u.host} (${u.error?.message ?? 'unknown'})`);
  return [
    `Rollout of ${what} stopped: ${failed}.`,
    undone.length ? `Detached again on ${undone.join(', ')}.` : 'Nothing to undo.',
    stuck.length ? `Could NOT detach on ${stuck.join(', ')}: check by hand.` : '',
    r.notTried.length ? `Not tried: ${r.notTried.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

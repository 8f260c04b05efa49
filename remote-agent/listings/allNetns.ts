// The interfaces of every network namespace and the network attachments of every named one, with one tool run
// from the agent: `ip -all -batch` runs `addr show` in the agent's own namespace, then `netns exec ip addr` and
// `netns exec bpftool net show`, each in every namespace under /run/netns. ip forks per namespace, a small
// process, instead of the agent (whose fork blocks its event loop until the child has exec'd: 1-5 ms a run, more
// on a busy machine, and meanwhile bpftool's batch cannot write past a full pipe). A tree refresh needed three agent
// forks for this (root ip, ip per namespace, bpftool per namespace), now one. ip prints "\nnetns: NAME\n" before
// each namespace's output and goes on when the command fails in one (its section is then empty or not JSON, and
// the caller lists that namespace on its own); ip visits the namespaces once per `netns exec` line, so a name's
// first section is its interfaces and its second its attachments.
import type { AgentContext } from '../core/context';

/** stdout of `ip -all netns exec ...` -> namespace name -> that namespace's output. */
export function splitAllNetns(stdout: string): Map<string, string> {
  return splitAllNetnsRounds(stdout, 1).rounds[0];
}

/**
 * stdout of `ip -all -batch` whose first line ran in our own namespace and the next `count` were `netns exec`:
 * the first line's output (before any header) and, per `netns exec` line, namespace name -> output.
 */
export function splitAllNetnsRounds(stdout: string, count: number): { root: string; rounds: Map<string, string>[] } {
  const rounds = Array.from({ length: count }, () => new Map<string, string>());
  const seen = new Map<string, number>();
  const header = /^netns: (.*)$/gm;
  let m: RegExpExecArray | null;
  let root: string | undefined;
  let current: { name: string; start: number } | undefined;
  const close = (end: number) => {
    if (!current) return;
    const n = seen.get(current.name) ?? 0;
    seen.set(current.name, n + 1);
    rounds[n]?.set(current.name, stdout.slice(current.start, end).trim());
  };
  while ((m = header.exec(stdout))) {
    root ??= stdout.slice(0, m.index).trim();
    close(m.index);
    current = { name: m[1], start: m.index + m[0].length };
  }
  close(stdout.length);
  return { root: root ?? stdout.trim(), rounds };
}

/** `argv` run in every namespace under /run/netns at once; the outputs by namespace name. */
export async function inAllNetns(ctx: AgentContext, argv: string[]): Promise<Map<string, string>> {
  const r = await ctx.run(['ip', '-all', 'netns', 'exec', ...argv], { allowFailure: true });
  return splitAllNetns(r.stdout);
}

export interface EveryNetns {
  /** `ip -j -d addr show` in the agent's own namespace ('' when it failed). */
  root: string;
  /** Named namespace -> its `ip -j -d addr show`. */
  ip: Map<string, string>;
  /** Named namespace -> its `bpftool -j net show`. */
  net: Map<string, string>;
}

/** A path ip's batch line splitter keeps as one argument. */
const batchSafe = (s: string) => /^[^\s"'\\#]+$/.test(s);

/** Our own namespace's interfaces, and every named namespace's interfaces and attachments: one ip run. */
export async function everyNetns(ctx: AgentContext, bpftool: string): Promise<EveryNetns> {
  if (!batchSafe(bpftool)) {
    // not expressible as a batch line: the three runs it replaces
    const [root, ip, net] = await Promise.all([
      ctx.run(['ip', '-j', '-d', 'addr', 'show'], { allowFailure: true }).then((r) => (r.exitCode === 0 ? r.stdout : '')),
      inAllNetns(ctx, ['ip', '-j', '-d', 'addr', 'show']),
      inAllNetns(ctx, [bpftool, '-j', 'net', 'show']),
    ]);
    return { root, ip, net };
  }
  // -force: a failing line (no named namespace at all, say) does not stop the ones after it
  const r = await ctx.run(['ip', '-all', '-force', '-j', '-d', '-batch', '-'], {
    input: ['addr show', 'netns exec ip -j -d addr show', `netns exec ${bpftool} -j net show`].join('\n') + '\n',
    allowFailure: true,
  });
  const { root, rounds } = splitAllNetnsRounds(r.stdout, 2);
  return { root, ip: rounds[0], net: rounds[1] };
}

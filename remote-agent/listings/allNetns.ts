// One command in every named network namespace with one tool run from the agent: `ip -all netns exec CMD` forks
// per namespace from ip, a small process, instead of from the agent (whose fork costs grow with its memory: about
// 4 ms a run at 100 MB, far more on a busy machine). A tree refresh needs the interfaces and the network
// attachments of every namespace: two runs in all instead of two per namespace. ip prints "\nnetns: NAME\n" before
// each namespace's output and goes on when the command fails in one (its section is then empty or not JSON, and
// the caller lists that namespace on its own).
import type { AgentContext } from '../core/context';

/** stdout of `ip -all netns exec ...` -> namespace name -> that namespace's output. */
export function splitAllNetns(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const header = /^netns: (.*)$/gm;
  let m: RegExpExecArray | null;
  let current: { name: string; start: number } | undefined;
  while ((m = header.exec(stdout))) {
    if (current) out.set(current.name, stdout.slice(current.start, m.index).trim());
    current = { name: m[1], start: m.index + m[0].length };
  }
  if (current) out.set(current.name, stdout.slice(current.start).trim());
  return out;
}

/** `argv` run in every namespace under /run/netns at once; the outputs by namespace name. */
export async function inAllNetns(ctx: AgentContext, argv: string[]): Promise<Map<string, string>> {
  const r = await ctx.run(['ip', '-all', 'netns', 'exec', ...argv], { allowFailure: true });
  return splitAllNetns(r.stdout);
}

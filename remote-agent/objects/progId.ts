// The kernel id of a program named by a ref (pin path or id:N).
import { bpftoolPath, type AgentContext } from '../core/context';
import type { ResolvedRef } from './refs';

export async function programId(ctx: AgentContext, prog: ResolvedRef): Promise<number> {
  if (prog.id !== undefined) return prog.id;
  const r = await ctx.run([bpftoolPath(ctx), '-j', 'prog', 'show', ...prog.bpftoolArgs]);
  return (JSON.parse(r.stdout) as { id: number }).id;
}

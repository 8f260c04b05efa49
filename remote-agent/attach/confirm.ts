// The dead-man switch glue: an attach with confirmWithin > 0 hands its rollback (argv arrays) to the watchdog of
// remote-agent/safety/deadman.ts, which detaches unless attach.confirm arrives in time.
import type { Attachment } from '../../protocol/types';
import { armDeadman, type RollbackPlan } from '../safety/deadman';
import { badArgument } from '../core/errors';

export function confirmWithinMs(value: unknown): number {
  if (value === undefined || value === null || value === 0) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw badArgument('confirmWithin', 'must be a whole number of milliseconds between 0 and 3,600,000');
  }
  return value;
}

export async function armIfAsked(att: Attachment, withinMs: number, commands: string[][], description: string): Promise<Attachment> {
  if (!withinMs) return att;
  const plan: RollbackPlan = { attachment: att.id, commands, description };
  await armDeadman(plan, withinMs);
  return { ...att, pendingConfirmation: { deadline: Date.now() + withinMs } };
}

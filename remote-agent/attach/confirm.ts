// The dead-man switch glue for attach.xdp / attach.tc with confirmWithin > 0: the rollback plan is armed BEFORE the
// attach (so there is no moment when the program runs with nothing to take it away), names the program it will
// remove, and is disarmed again when the attach fails. remote-agent/safety/deadman.ts runs the watchdog.
import type { Attachment } from '../../protocol/types';
import { armDeadman, confirmAttachment, setPlanProgram, type ArmedPlan, type RollbackPlan } from '../safety/deadman';
import { badArgument } from '../core/errors';

export function confirmWithinMs(value: unknown): number {
  if (value === undefined || value === null || value === 0) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw badArgument('confirmWithin', 'must be a whole number of milliseconds between 0 and 3,600,000');
  }
  return value;
}

/**
 * Runs `attach` with a rollback plan armed first when `withinMs` > 0: the reply carries the plan's deadline and
 * token (`pendingConfirmation`), and an attach that throws disarms its plan before the error goes out.
 */
export async function attachArmed(withinMs: number, plan: RollbackPlan, attach: () => Promise<Attachment>): Promise<Attachment> {
  if (!withinMs) return attach();
  const armed: ArmedPlan = await armDeadman(plan, withinMs);
  let att: Attachment;
  try {
    att = await attach();
  } catch (e) {
    await confirmAttachment(plan.attachment, { plan: armed.token }).catch(() => undefined);
    throw e;
  }
  if (att.progId !== undefined && att.progId !== plan.target?.progId) await setPlanProgram(plan.attachment, armed.token, att.progId);
  return { ...att, pendingConfirmation: { deadline: armed.deadline, plan: armed.token } };
}

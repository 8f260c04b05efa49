// Dead-man switch (owned by the SSH/safety work): an attach that asks for confirmation hands its rollback plan to a
// watchdog process that outlives the agent and the SSH session. Interface fixed here so the agent can call it.
import type { RollbackRecord } from '../../protocol/agent';

export interface RollbackPlan {
  /** The attachment id the plan undoes. */
  attachment: string;
  /** Commands (argument arrays, never shell strings) that detach it; run in order until one succeeds. */
  commands: string[][];
  /** Human words for the record, e.g. "xdp on eth0 (netns end_lab_a)". */
  description: string;
}

/** Starts a watchdog that runs `plan` unless confirmAttachment(plan.attachment) is called within `withinMs`. */
export async function armDeadman(_plan: RollbackPlan, _withinMs: number): Promise<void> {
  throw new Error('dead-man switch not built yet');
}

/** Disarms the watchdog of `attachment`; false when none was waiting (already rolled back or never armed). */
export async function confirmAttachment(_attachment: string): Promise<boolean> {
  throw new Error('dead-man switch not built yet');
}

/** Rollbacks the watchdogs performed on this host, newest last. */
export async function listRollbacks(): Promise<RollbackRecord[]> {
  return [];
}

/** Entry of the watchdog process (agent.js --watchdog PLANFILE). */
export async function runWatchdog(_planFile: string): Promise<void> {
  throw new Error('dead-man switch not built yet');
}

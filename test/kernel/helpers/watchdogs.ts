// The dead-man watchdogs running on this machine (`node - --watchdog PLANFILE`, remote-agent/safety/deadman.ts),
// found by their plan file. A confirmed plan's watchdog exits at once; once it is gone nothing can roll the
// attachment back, so a test waits for that instead of sleeping through the confirmation window.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of watchdog processes whose plan file path contains `plan` (a plan token, or a private deadman directory). */
export function watchdogPids(plan: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    const flag = argv.indexOf('--watchdog');
    if (flag >= 0 && argv.slice(flag + 1).some((a) => a.includes(plan))) pids.push(Number(entry));
  }
  return pids;
}

// The dead-man watchdogs running on this machine (`node - --watchdog PLANFILE`, remote-agent/safety/deadman.ts, or
// a standby given its plan, whose title reads the same: remote-agent/safety/watchdogStandby.ts), found by their
// plan file. A confirmed plan's watchdog exits at once; once it is gone nothing can roll the
// attachment back, so a test waits for that instead of sleeping through the confirmation window.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of watchdog processes whose plan file path contains `plan` (a plan token, or a private deadman directory). */
export function watchdogPids(plan: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      // A title is one string with spaces in place of the argv's NULs.
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split(/[\0 ]/);
    } catch {
      continue; // exited while we looked
    }
    const flag = argv.indexOf('--watchdog');
    if (flag >= 0 && argv.slice(flag + 1).some((a) => a.includes(plan))) pids.push(Number(entry));
  }
  return pids;
}

/** Pids of the standby watchdogs of `agentPid` that run (took their title) and hold no plan yet. */
export function standbyPids(agentPid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const ppid = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.split('\0')[0] === 'node - --watchdog-standby' && Number(ppid) === agentPid) pids.push(Number(entry));
    } catch {
      continue; // exited while we looked
    }
  }
  return pids;
}

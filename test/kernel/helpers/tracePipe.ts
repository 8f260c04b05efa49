// Who holds trace_pipe open. The kernel lets one process at a time read it, and each reader takes lines from every
// other, so tests that read it wait for it to be free before trying again and name the holders when they fail.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export const TRACE_PIPE = '/sys/kernel/tracing/trace_pipe';

/** Whether process pid has trace_pipe open. */
export function holdsTracePipe(pid: number | string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === TRACE_PIPE;
      } catch {
        return false;
      }
    });
  } catch {
    return false; // gone, or not ours to read
  }
}

/** The processes that hold trace_pipe open, as "PID: command line" (cut at 120 characters) for messages. */
export function tracePipeReaders(): string[] {
  const readers: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (!holdsTracePipe(pid)) continue;
    try {
      readers.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 120)}`);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return readers;
}

// Lines the kernel lost before any reader got them: when trace_pipe is written faster than it is read, the ring
// buffer overwrites its oldest events and counts them per CPU (`overrun` and `dropped events` in
// per_cpu/cpuN/stats). The reader reports the growth of that sum as dropped lines, so a flood the agent cannot
// keep up with shows up as a number in the view instead of silently thinner output.
import { readdirSync, readFileSync } from 'node:fs';
import { TRACEFS } from '../core/paths';

/** Sum of overrun + dropped events over every CPU; undefined when tracefs does not say. */
export function kernelLostEvents(tracefs = TRACEFS): number | undefined {
  let cpus: string[];
  try {
    cpus = readdirSync(`${tracefs}/per_cpu`).filter((d) => /^cpu\d+$/.test(d));
  } catch {
    return undefined;
  }
  let sum = 0;
  for (const cpu of cpus) {
    let text: string;
    try {
      text = readFileSync(`${tracefs}/per_cpu/${cpu}/stats`, 'utf8');
    } catch {
      continue;
    }
    const overrun = /^overrun:\s*(\d+)/m.exec(text);
    const dropped = /^dropped events:\s*(\d+)/m.exec(text);
    sum += Number(overrun?.[1] ?? 0) + Number(dropped?.[1] ?? 0);
  }
  return sum;
}

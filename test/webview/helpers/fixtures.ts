// The real kernel data captured on this machine by test/fixtures/webview/capture.sh, turned into the protocol
// shapes the views receive, with the agent's own bpftool parsers (remote-agent/parsers) where they exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TraceEvent } from '../../../protocol/types';
import { repoRoot } from './viewPage';

export const fixtureDir = join(repoRoot, 'test/fixtures/webview');
export const readFixture = (name: string) => readFileSync(join(fixtureDir, name), 'utf8');

/** trace_pipe's line layout: `task-pid [cpu] flags timestamp: function: message`. */
const traceLine = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+):\s+([\w.]+):\s?(.*)$/;

export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = traceLine.exec(line);
  if (!m) return undefined;
  return { task: m[1], pid: Number(m[2]), cpu: Number(m[3]), flags: m[4], timestamp: Number(m[5]), function: m[6], message: m[7] };
}

export function capturedTrace(): TraceEvent[] {
  return readFixture('trace_pipe.txt').split('\n').filter(Boolean).map((l) => {
    const e = parseTraceLine(l);
    if (!e) throw new Error(`unparsable fixture line: ${l}`);
    return e;
  });
}

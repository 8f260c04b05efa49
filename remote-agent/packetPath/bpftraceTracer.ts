// The packet path tracer through bpftrace, for hosts whose bpftool cannot attach tracepoints (7.1 and older).
// bpftrace owns the attachments: they live exactly as long as its process, so stopping it (or the agent dying,
// see tiedSpawn.ts) detaches everything and nothing is pinned.
import type { PacketFilter, PacketPathEvent } from '../../protocol/types';
import { AgentErrorCode } from '../../protocol/agent';
import { AgentError } from '../core/errors';
import { bpftraceLineToRecord } from './bpftraceEvents';
import { bpftraceScript, READY_MARK, type KfreeSkbFacts } from './bpftraceScript';
import type { NetnsNamer } from './netnsNames';
import { exited, spawnTied, stopChild } from './tiedSpawn';
import type { RunningTracer } from './bpftoolTracer';

export interface BpftraceTracerOptions {
  bpftrace: string;
  filter: PacketFilter;
  /** A record's bytes into an event (eventLayout.ts decodeEvent with drop names and the wall clock). */
  decode: (rec: Buffer) => PacketPathEvent | null;
  /** What the kfree_skb probe may read (see bpftraceScript.ts). */
  kfreeSkb: KfreeSkbFacts;
  namer: NetnsNamer;
  emit: (events: PacketPathEvent[], dropped: number) => void;
  /** bpftrace ended on its own after start: no more events will come. */
  onFailure?: (err: Error) => void;
  /** How long bpftrace may take to compile and attach (about 1.1 s here; slow hosts take longer). */
  startTimeoutMs?: number;
}

interface JsonLine {
  type?: string;
  data?: unknown;
}

export async function startBpftraceTracer(o: BpftraceTracerOptions): Promise<RunningTracer> {
  const argv = [o.bpftrace, '-f', 'json', '-e', bpftraceScript(o.filter, o.kfreeSkb)];
  const child = spawnTied(argv);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new AgentError(AgentErrorCode.ToolMissing, `bpftrace was not found at ${o.bpftrace}`, { tool: 'bpftrace' })
          : err,
      );
    }),
  );

  let attached!: () => void;
  const attachedP = new Promise<void>((r) => {
    attached = r;
  });
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    const events: PacketPathEvent[] = [];
    let dropped = 0;
    for (const line of lines) {
      if (!line.trim()) continue;
      let msg: JsonLine;
      try {
        msg = JSON.parse(line) as JsonLine;
      } catch {
        continue; // not one of bpftrace's JSON lines
      }
      if (msg.type === 'lost_events') dropped += Number((msg.data as { events?: number })?.events ?? 0);
      else if (msg.type === 'printf' && typeof msg.data === 'string') {
        for (const l of msg.data.split('\n')) {
          if (!l) continue;
          if (l === READY_MARK) {
            attached();
            continue;
          }
          const rec = bpftraceLineToRecord(l);
          const ev = rec && o.decode(rec);
          if (!ev) {
            dropped++;
            continue;
          }
          const name = o.namer.nameOf(ev.netnsInode);
          if (name !== undefined) ev.netnsName = name;
          events.push(ev);
        }
      }
    }
    if (events.length || dropped) o.emit(events, dropped);
  });

  const ended = (when: string) =>
    new AgentError(
      AgentErrorCode.ToolFailed,
      `bpftrace exited ${when} (${child.signalCode ?? `exit ${child.exitCode}`}): ${stderr.trim().split('\n').slice(-5).join(' | ') || 'no output'}`,
      { tool: 'bpftrace', argv, exitCode: child.exitCode, stderr },
    );
  let attachedYet = false;
  const failed = exited(child).then(() => {
    throw ended(attachedYet ? 'while tracing' : 'before attaching');
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AgentError(AgentErrorCode.ToolFailed, `bpftrace did not attach within ${o.startTimeoutMs ?? 30_000} ms`, {
            tool: 'bpftrace',
            argv,
            stderr,
          }),
        ),
      o.startTimeoutMs ?? 30_000,
    );
  });
  try {
    await Promise.race([attachedP, failed, spawnError, timeout]);
  } catch (err) {
    await stopChild(child);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  attachedYet = true;
  let stopping: Promise<void> | undefined;
  failed.catch((err: Error) => {
    if (!stopping) o.onFailure?.(err);
  });
  spawnError.catch(() => {
    /* reported above if it happened before attach */
  });

  return { dir: '', pid: child.pid, stop: () => (stopping ??= stopChild(child)) };
}

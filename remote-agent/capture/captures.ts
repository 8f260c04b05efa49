// capture.start / capture.stop: the verdict capture on the host (docs/verdict-capture.md).
//   start: load the instrumented object beside the plain one, reusing the plain object's maps by pin (so the user's
//          counters keep counting and its globals keep their values), listen on its perf event array with
//          `bpftool -j map event_pipe`, set the filter, hand the watchdog a lease that puts the plain program back,
//          then swap the instrumented program in.
//   stop:  swap the plain program back, drain the reader, read the kernel's counters, remove the pins.
// The lease is renewed while the agent lives; if the agent dies (its SSH session cut), the watchdog restores the
// plain program when the lease runs out. An agent that exits normally stops its captures first.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentErrorCode, type CapturePacketsParams, type CaptureStartParams } from '../../protocol/agent';
import {
  TC_VERDICTS,
  XDP_VERDICTS,
  type CaptureInfo,
  type CaptureSummary,
  type CapturedPacket,
  type PacketFilter,
  type XdpKernelMode,
} from '../../protocol/types';
import { parseAttachmentId } from '../attach/attachmentId';
import { bpftoolPath, type AgentContext } from '../core/context';
import { AgentError, badArgument, unsupported, verifierRejected } from '../core/errors';
import { PIN_ROOT } from '../core/paths';
import { toolFailed } from '../core/runner';
import { requireObject } from '../core/validate';
import { elfPrograms } from '../objects/elfPrograms';
import { listObjects } from '../objects/describe';
import { readRecord } from '../objects/store';
import { onlineCpuCount } from '../packetPath/bpftoolTracer';
import { validatePacketFilter } from '../packetPath/filterEncoding';
import { hexWords } from '../packetPath/filterEncoding';
import { spawnTied, stopChild } from '../packetPath/tiedSpawn';
import { hasVerifierLog, parseVerifierLog } from '../parsers/verifierLog';
import { armDeadman, confirmAttachment } from '../safety/deadman';
import { batchRecords, CaptureEventReader } from './eventReader';
import { batchTails, decodeEventHeader, DEFAULT_SNAP_LENGTH, encodeConfig, MAX_SNAP_LENGTH, sumStats } from './layout';
import { attachedNow, swapIn, watchdogCommands, type SwapTarget } from './swap';

/** Where the instrumented objects are pinned: one directory per capture, named with the agent's pid. */
export const CAPTURES_DIR = `${PIN_ROOT}/verdict_captures`;
const DEFAULT_LEASE_MS = 30_000;
/** Notifications not yet written (a slow link): beyond this, packets are counted as lost instead of queued. */
const MAX_IN_FLIGHT = 64;
/**
 * Records are gathered for up to NOTIFY_MS (or NOTIFY_PACKETS of them) into one capture.packets notification: a
 * notification costs the agent (and the client) far more than a record, and bpftool hands over 4 KiB (~10 records)
 * at a time. 10 ms is not seen by whoever watches a ping arrive.
 */
const NOTIFY_MS = 10;
const NOTIFY_PACKETS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the child's stdout is closed (all it printed has been read). */
const closed = (child: ReturnType<typeof spawnTied>) =>
  new Promise<void>((resolve) =>
    child.stdout.readableEnded || child.stdout.destroyed ? resolve() : child.stdout.once('close', () => resolve()),
  );

/**
 * The reader's CPU ticks while it waits in epoll for more samples (it has read what the perf buffers held), else
 * undefined (running, writing, or /proc does not say).
 */
function idleTicks(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    if (!/ep_poll|epoll/.test(readFileSync(`/proc/${pid}/wchan`, 'utf8'))) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/**
 * Why a tcx attachment cannot be captured (docs/verdict-capture.md "Limits", seen with bpftool 7.5 on 6.18):
 * `bpftool net attach tcx_*` only appends to the chain (`overwrite` is not passed on: EEXIST) and `net detach
 * tcx_*` removes the last program, so neither an atomic replace nor "add the variant, then remove the plain one" can
 * be expressed; the kernel's in-place replace (BPF_F_REPLACE) is reachable only through bpf(2), which the agent
 * makes through bpftool alone.
 */
export const TCX_REFUSAL =
  'bpftool 7.5 can only append to a tcx chain and detach its last program, so the plain program cannot be swapped without a moment in which no program runs: attach with --via tc to capture';

interface Running {
  info: CaptureInfo;
  target: SwapTarget;
  dir: string;
  plainPin: string;
  mode?: XdpKernelMode;
  reader: ReturnType<typeof spawnTied>;
  received: number;
  lease: NodeJS.Timeout;
  inFlight: Set<Promise<void>>;
  stopping?: Promise<CaptureSummary>;
  /** Sends the records left in the CPUs' batch buffers (listen() sets it). */
  drainTail?: (tails: Buffer[]) => void;
}

/** The pinned name of a map (bpftool pins `NAME`, with '.' of internal maps turned into '_'), as the instrumented object knows it. */
export function reuseName(kernelName: string, pinName: string, objectName: string): string | undefined {
  if (!kernelName.includes('.')) return pinName; // a map of the source: its full ELF name (kernel names stop at 15 chars)
  if (kernelName.startsWith('.')) return kernelName; // .rodata.str1.1 and the like: no prefix at all
  const suffix = kernelName.slice(kernelName.indexOf('.'));
  if (suffix === '.kconfig') return undefined; // libbpf fills it from the running kernel: nothing to share
  // libbpf's internal_map_name(): up to 15 - max(7, len(suffix)) characters of the object's name, then the suffix
  const prefix = Math.max(0, 15 - Math.max(7, suffix.length));
  return `${objectName.slice(0, prefix)}${suffix}`;
}

function perfEventFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[perf_event]';
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
}

/** Pin directories of captures whose agent is gone (it was killed: the watchdog restored its plain program). */
function removeStaleCaptureDirs(): void {
  let names: string[];
  try {
    names = readdirSync(CAPTURES_DIR);
  } catch {
    return;
  }
  for (const n of names) {
    const pid = /^vcap-(\d+)-\d+$/.exec(n)?.[1];
    if (pid && !existsSync(`/proc/${pid}`)) rmSync(join(CAPTURES_DIR, n), { recursive: true, force: true });
  }
}

function validateStart(raw: unknown): {
  p: Partial<CaptureStartParams>;
  target: SwapTarget;
  filter: PacketFilter;
  snapLength: number;
  leaseMs: number;
  bytes: Buffer;
} {
  const p = requireObject(raw, 'capture.start') as Partial<CaptureStartParams>;
  const parsed = parseAttachmentId(p.attachment);
  if (parsed.kind !== 'xdp' && parsed.kind !== 'tc') {
    throw unsupported(
      `verdict capture works on xdp and tc attachments, not ${parsed.kind}${parsed.kind === 'tcx' ? ` (${TCX_REFUSAL})` : ''}`,
    );
  }
  const filter = validatePacketFilter(p.filter, 'filter');
  const snapLength = p.snapLength ?? DEFAULT_SNAP_LENGTH;
  if (typeof snapLength !== 'number' || !Number.isInteger(snapLength) || snapLength < 0 || snapLength > MAX_SNAP_LENGTH) {
    throw badArgument('snapLength', `must be a whole number of bytes between 0 and ${MAX_SNAP_LENGTH}`);
  }
  const leaseMs = p.leaseMs ?? DEFAULT_LEASE_MS;
  if (typeof leaseMs !== 'number' || !Number.isInteger(leaseMs) || leaseMs < 3000 || leaseMs > 600_000) {
    throw badArgument('leaseMs', 'must be a whole number of milliseconds between 3000 and 600000');
  }
  if (typeof p.object !== 'string' || !/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(p.object) || !p.object.length) {
    throw badArgument('object', 'the instrumented object (base64 bytes) is required');
  }
  if (p.program !== undefined && (typeof p.program !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(p.program))) {
    throw badArgument('program', `"${String(p.program)}" is not a program name`);
  }
  const target: SwapTarget =
    parsed.kind === 'xdp' ? parsed : { kind: 'tc', netns: parsed.netns, dev: parsed.dev, direction: parsed.direction };
  return { p, target, filter, snapLength, leaseMs, bytes: Buffer.from(p.object, 'base64') };
}

export class Captures {
  private readonly running = new Map<string, Running>();
  private next = 1;

  constructor(
    private readonly ctx: AgentContext,
    private readonly send: (p: CapturePacketsParams) => Promise<void>,
  ) {}

  async start(raw: unknown): Promise<CaptureInfo> {
    const { p, target, filter, snapLength, leaseMs, bytes } = validateStart(raw);
    const attachment = p.attachment as string;
    for (const r of this.running.values()) {
      if (r.info.attachment === attachment)
        throw new AgentError(AgentErrorCode.AlreadyAttached, `a capture (${r.info.capture}) already runs on ${attachment}`, {
          argument: 'attachment',
        });
    }
    const bpftool = bpftoolPath(this.ctx);
    const now = await attachedNow(this.ctx, target);

    // The plain program must be one the agent loaded: its object's maps are what the instrumented one reuses.
    const objects = await listObjects(this.ctx);
    const owner = objects.find((o) => o.programs.some((x) => x.id === now.progId));
    const plain = owner?.programs.find((x) => x.id === now.progId);
    if (!owner || !plain) {
      throw badArgument(
        'attachment',
        `the program on ${attachment} (id ${now.progId}) was not loaded through ebpf-netdebug (object.load), so there is no source or maps to instrument`,
      );
    }
    const program = p.program ?? plain.name;
    let programs;
    try {
      programs = elfPrograms(bytes);
    } catch (e) {
      throw badArgument('object', `not a BPF object: ${(e as Error).message}`);
    }
    if (!programs.some((x) => x.name === program)) {
      throw badArgument(
        'program',
        `the instrumented object has no program "${program}" (it has ${programs.map((x) => x.name).join(', ') || 'none'})`,
      );
    }

    removeStaleCaptureDirs();
    const id = `vcap-${process.pid}-${this.next++}`;
    const dir = join(CAPTURES_DIR, id);
    const tmp = mkdtempSync(join(tmpdir(), 'ebpf-netdebug-vcap-'));
    let reader: ReturnType<typeof spawnTied> | undefined;
    let armed = false;
    try {
      // libbpf names internal maps after the file: "vcap.rodata", "vcap.bss"
      const file = join(tmp, 'vcap.o');
      writeFileSync(file, bytes, { mode: 0o600 });
      const reuse: string[] = [];
      for (const m of owner.maps) {
        const shown = await this.ctx.run([bpftool, '-j', 'map', 'show', 'pinned', m.pin], { allowFailure: true });
        const kernelName = shown.exitCode === 0 ? (JSON.parse(shown.stdout) as { name?: string }).name : undefined;
        const name = reuseName(kernelName ?? m.name, m.name, 'vcap');
        if (name) reuse.push('map', 'name', name, 'pinned', m.pin);
      }
      const type = readRecord(this.ctx.stateDir, owner.name)?.programType;
      mkdirSync(CAPTURES_DIR, { recursive: true }); // just before loadall: another agent's last capture may remove it when empty
      const load = await this.ctx.run(
        [bpftool, 'prog', 'loadall', file, dir, ...(type ? ['type', type] : []), ...reuse, 'pinmaps', join(dir, 'maps')],
        { allowFailure: true, timeoutMs: 120_000 },
      );
      if (load.exitCode !== 0) {
        const output = `${load.stderr}\n${load.stdout}`;
        if (hasVerifierLog(output))
          throw verifierRejected(parseVerifierLog(output), {
            tool: 'bpftool',
            argv: load.argv,
            exitCode: load.exitCode,
            stdout: load.stdout,
            stderr: load.stderr,
          });
        throw toolFailed(load, "bpftool prog loadall (the instrumented object, reusing the plain object's maps)");
      }
      const capPin = join(dir, program);
      const shown = await this.ctx.run([bpftool, '-j', 'prog', 'show', 'pinned', capPin]);
      const captureProgId = (JSON.parse(shown.stdout) as { id: number }).id;

      // Listen before anything can be sent: the reader holds a perf buffer per online CPU once it is ready. JSON,
      // not the hex text: see eventReader.ts (the wrapper's filler keeps sparse records from waiting in its buffer).
      reader = spawnTied([bpftool, '-j', 'map', 'event_pipe', 'pinned', join(dir, 'maps', 'ndcap_events')]);
      const child = reader;
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        stderr = (stderr + d).slice(-4000);
      });
      // what it prints before listen() takes over (with -j, bpftool's errors come on stdout too)
      const early: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => early.push(d));
      const want = onlineCpuCount();
      for (let waited = 0; perfEventFds(child.pid ?? 0) < want; waited += 10) {
        if (child.exitCode !== null || child.signalCode !== null || waited > 10_000) {
          if (child.exitCode !== null || child.signalCode !== null) await closed(child);
          const errors = [
            ...Buffer.concat(early)
              .toString('utf8')
              .matchAll(/"error":"((?:[^"\\]|\\.)*)"/g),
          ].map((m) => m[1]);
          stderr = [stderr.trim(), ...errors].filter(Boolean).join('\n');
          throw new AgentError(AgentErrorCode.ToolFailed, `bpftool map event_pipe did not start: ${stderr.trim() || 'no output'}`, {
            tool: 'bpftool',
            argv: child.spawnargs,
            stderr,
          });
        }
        await sleep(10);
      }
      await this.ctx.run([
        bpftool,
        'map',
        'update',
        'pinned',
        join(dir, 'maps', 'ndcap_config'),
        'key',
        'hex',
        '00',
        '00',
        '00',
        '00',
        'value',
        'hex',
        ...hexWords(encodeConfig(filter, snapLength)),
      ]);

      // The lease first, then the swap: from the moment the instrumented program runs, a dead agent gets it undone.
      const leaseKey = `capture:${attachment}`;
      const plan = {
        attachment: leaseKey,
        commands: watchdogCommands(this.ctx, target, plain.pin, now.mode),
        description: `the verdict capture on ${attachment}, putting ${owner.name}/${plain.name} back`,
      };
      await armDeadman(plan, leaseMs);
      armed = true;
      const swapped = await swapIn(this.ctx, target, capPin, now.mode);
      const after = await attachedNow(this.ctx, target).catch(() => undefined);
      if (!swapped.ok || after?.progId !== captureProgId) {
        throw new AgentError(
          AgentErrorCode.ToolFailed,
          `could not put the instrumented program on ${attachment}: ${swapped.message || `program ${after?.progId ?? 'none'} runs there`}`,
        );
      }

      const direction = target.kind === 'tc' ? target.direction : 'ingress';
      const info: CaptureInfo = {
        capture: id,
        attachment,
        kind: target.kind,
        netns: target.netns,
        dev: target.dev,
        ifindex: now.ifindex,
        direction,
        plainProgId: now.progId,
        captureProgId,
        program,
        snapLength,
        ...(Object.keys(filter).length ? { filter } : {}),
        startedAt: Date.now(),
      };
      const run: Running = {
        info,
        target,
        dir,
        plainPin: plain.pin,
        mode: now.mode,
        reader: child,
        received: 0,
        inFlight: new Set(),
        lease: setInterval(
          () => {
            void armDeadman(plan, leaseMs).catch((e: Error) =>
              this.ctx.log({ level: 'error', message: `capture ${id}: renewing the watchdog's lease failed: ${e.message}` }),
            );
          },
          Math.floor(leaseMs / 3),
        ),
      };
      this.listen(run, early, (m) => {
        stderr = (stderr + m).slice(-4000);
      });
      child.once('exit', (code, signal) => {
        if (run.stopping) return;
        this.ctx.log({
          level: 'error',
          message: `capture ${id}: the reader (bpftool map event_pipe) ended by itself (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no output'}; stopping the capture`,
        });
        void this.finish(run);
      });
      this.running.set(id, run);
      return info;
    } catch (err) {
      if (reader) await stopChild(reader);
      if (armed) {
        // put the plain program back if the swap half happened, then stand the watchdog down
        const after = await attachedNow(this.ctx, target).catch(() => undefined);
        if (after && after.progId !== now.progId) await swapIn(this.ctx, target, plain.pin, now.mode);
        await confirmAttachment(`capture:${attachment}`).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
      throw err;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Parses the reader's output (`early`: what came before) into capture.packets notifications (NOTIFY_MS). */
  private listen(run: Running, early: Buffer[], onError: (message: string) => void): void {
    // bpf_ktime_get_ns and process.hrtime both read CLOCK_MONOTONIC: one offset turns it into wall-clock time
    const offsetUs = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);
    let batch: CapturedPacket[] = [];
    let lost = 0;
    const sink = {
      record: (header: Buffer, data: Buffer) => {
        const h = decodeEventHeader(header);
        batch.push({
          timeUs: Math.floor(h.timestampNs / 1000) + offsetUs,
          verdict: h.verdict,
          ifindex: h.ifindex,
          len: h.len,
          data: data.toString('base64'),
        });
      },
      lost: (n: number) => {
        lost += n;
      },
      malformed: () => {
        lost++;
      },
      error: (message: string) => {
        this.ctx.log({ level: 'error', message: `capture ${run.info.capture}: bpftool map event_pipe: ${message}` });
        onError(message);
      },
    };
    const reader = new CaptureEventReader(sink);
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (!batch.length && !lost) return;
      let packets = batch;
      batch = [];
      if (run.inFlight.size >= MAX_IN_FLIGHT) {
        // the client does not keep up: count, do not queue without bound
        lost += packets.length;
        packets = [];
        return;
      }
      const l = lost;
      lost = 0;
      run.received += packets.length;
      const sent = this.send({ capture: run.info.capture, packets, lost: l }).catch(() => undefined);
      run.inFlight.add(sent);
      void sent.finally(() => run.inFlight.delete(sent));
    };
    run.reader.stdout.removeAllListeners('data');
    for (const chunk of early) reader.push(chunk);
    flush();
    run.reader.stdout.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      if (batch.length >= NOTIFY_PACKETS) flush();
      else timer ??= setTimeout(flush, NOTIFY_MS);
    });
    // the records a CPU's batch buffer still holds at stop (read from the map): sent like the others
    run.drainTail = (tails: Buffer[]) => {
      for (const t of tails) batchRecords(t, t.length, sink);
      flush();
    };
  }

  async stop(raw: unknown): Promise<CaptureSummary> {
    const p = requireObject(raw, 'capture.stop');
    const run = typeof p.capture === 'string' ? this.running.get(p.capture) : undefined;
    if (!run) throw new AgentError(AgentErrorCode.NotFound, `capture: no running capture "${String(p.capture)}"`, { argument: 'capture' });
    return this.finish(run);
  }

  async stopAll(): Promise<void> {
    for (const r of [...this.running.values()]) await this.finish(r).catch(() => undefined);
  }

  private finish(run: Running): Promise<CaptureSummary> {
    run.stopping ??= (async () => {
      const { info, target } = run;
      const bpftool = bpftoolPath(this.ctx);
      clearInterval(run.lease);
      const swapped = await swapIn(this.ctx, target, run.plainPin, run.mode);
      const after = await attachedNow(this.ctx, target).catch(() => undefined);
      const restoredOk = swapped.ok && after?.progId === info.plainProgId;
      // Only once the plain program is back does the watchdog stand down; if the swap failed it keeps its plan.
      if (restoredOk) await confirmAttachment(`capture:${info.attachment}`).catch(() => undefined);

      const statsOf = async () => {
        const r = await this.ctx.run([bpftool, '-j', 'map', 'dump', 'pinned', join(run.dir, 'maps', 'ndcap_stats')], {
          allowFailure: true,
        });
        return r.exitCode === 0 ? sumStats(r.stdout) : undefined;
      };
      // Records still waiting in the CPUs' batch buffers: nothing writes them once the plain program is back.
      const tail = await this.ctx.run([bpftool, '-j', 'map', 'dump', 'pinned', join(run.dir, 'maps', 'ndcap_batch')], {
        allowFailure: true,
      });
      const tails = tail.exitCode === 0 ? batchTails(tail.stdout) : [];
      let tailRecords = 0;
      for (const t of tails) batchRecords(t, t.length, { record: () => void tailRecords++, malformed: () => undefined });
      // Let the reader print what is still in the perf buffers: wait until what was recorded arrived, or until the
      // reader has read them all and sits idle in epoll (the last records may wait in its stdio buffer, which it
      // writes out when it exits), bounded. A reader stopped early loses what it had not read: counted as lost.
      let stats = await statsOf();
      let idle = 0;
      let lastTicks: number | undefined;
      for (let waited = 0; stats && run.received + tailRecords < stats.matched - stats.failed && waited < 2000; waited += 20) {
        const ticks = idleTicks(run.reader.pid);
        idle = ticks !== undefined && ticks === lastTicks ? idle + 1 : 0;
        if (idle >= 2) break;
        lastTicks = ticks;
        await sleep(20);
      }
      await stopChild(run.reader);
      await closed(run.reader);
      run.drainTail?.(tails);
      await Promise.all([...run.inFlight]);
      stats = (await statsOf()) ?? stats;
      rmSync(run.dir, { recursive: true, force: true });
      // the last capture out leaves no empty parent behind (the next start creates it again)
      try {
        rmdirSync(CAPTURES_DIR);
      } catch {
        /* other captures are running */
      }
      this.running.delete(info.capture);

      const names = info.kind === 'xdp' ? XDP_VERDICTS : TC_VERDICTS;
      const verdicts: Record<string, number> = {};
      stats?.verdicts.forEach((n, slot) => {
        if (n) verdicts[names[slot - 1] ?? `verdict ${slot - 1}`] = n;
      });
      const matched = stats?.matched ?? run.received;
      return {
        capture: info.capture,
        seen: stats?.seen ?? 0,
        matched,
        received: run.received,
        lost: Math.max(0, matched - run.received),
        verdicts,
        restored: {
          progId: info.plainProgId,
          ok: restoredOk,
          ...(restoredOk
            ? {}
            : {
                message: `putting program ${info.plainProgId} back failed (${swapped.message || `program ${after?.progId ?? 'none'} runs there`}); the watchdog will retry when its lease runs out`,
              }),
        },
        durationMs: Date.now() - info.startedAt,
      };
    })();
    return run.stopping;
  }
}

// `attach xdp|tc ... FILE.bpf.c --capture FILE.pcapng [--filter EXPR] [--snap-length N] --duration S`: once the plain
// program is attached, swap in its instrumented variant (extension/core/capture), record every packet it sees with
// its verdict for S seconds (or until Ctrl-C) into a pcapng file (`-`: stdout, for `| tshark -r -`), then put the
// plain program back. The counts come from the kernel: `lost` is never silent.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { CaptureInfo, CaptureSummary, CapturedPacket, PacketFilter } from '../../../protocol/types';
import { buildInstrumented } from '../../core/capture/build';
import { CapturePcapng } from '../../core/capture/pcapng';
import { CaptureRun } from '../../core/capture/run';
import { InstrumentError, type CaptureKind } from '../../core/capture/instrument';
import { sessionTarget } from '../../core/compile/sessionTarget';
import { formatDiagnostic } from '../../core/compile/diagnostics';
import { PacketFilterError, parsePacketFilter } from '../../core/packetPath/filter';
import type { Session } from '../../core/session';
import { positiveNumber } from '../args';
import { CliError, usageError } from '../cliError';
import type { CliContext } from '../io';

export interface CaptureRequest {
  file: string;
  filter?: PacketFilter;
  filterText?: string;
  snapLength: number;
  durationS?: number;
}

/** The capture options of `attach`, checked before anything is compiled or attached. */
export function captureRequest(
  kind: string,
  source: string,
  values: { capture?: string; filter?: string; 'snap-length'?: string; duration?: string },
): CaptureRequest | undefined {
  if (values.capture === undefined) {
    for (const o of ['filter', 'snap-length', 'duration'] as const) {
      if (values[o] !== undefined) throw usageError(`attach ${kind}: --${o} goes with --capture FILE.pcapng`);
    }
    return undefined;
  }
  if (kind !== 'xdp' && kind !== 'tc') throw usageError(`attach ${kind}: --capture records the verdicts of XDP and tc programs only`);
  if (!source.endsWith('.c'))
    throw usageError(`attach ${kind}: --capture needs the program's source (FILE.bpf.c): the capture builds an instrumented variant of it`);
  if (values.capture === '') throw usageError('--capture: a file name (or - for stdout) is required');
  let filter: PacketFilter | undefined;
  try {
    filter = values.filter ? parsePacketFilter(values.filter) : undefined;
  } catch (e) {
    if (e instanceof PacketFilterError) throw usageError(`--filter: ${e.message}`);
    throw e;
  }
  let snapLength = 128;
  if (values['snap-length'] !== undefined) {
    snapLength = Number(values['snap-length']);
    if (!Number.isInteger(snapLength) || snapLength < 0 || snapLength > 4096)
      throw usageError(`--snap-length ${values['snap-length']}: expected 0..4096 bytes`);
  }
  const durationS = positiveNumber('--duration', values.duration);
  return { file: values.capture, filter, filterText: values.filter, snapLength, durationS };
}

export interface CaptureOutcome {
  file: string;
  packets: number;
  summary: CaptureSummary;
  info: CaptureInfo;
}

/** Runs the capture on an attachment that was just made; returns what the kernel counted. */
export async function runCapture(
  s: Session,
  ctx: CliContext,
  req: CaptureRequest,
  a: {
    attachment: string;
    source: string;
    program: string;
    section?: string;
    kind: CaptureKind;
    set: Record<string, string>;
  },
): Promise<CaptureOutcome> {
  let build;
  try {
    build = await buildInstrumented({
      source: a.source,
      program: a.program,
      section: a.section,
      kind: a.kind,
      host: sessionTarget(s),
      set: a.set,
    });
  } catch (e) {
    if (e instanceof InstrumentError) throw new CliError(`--capture: ${e.message}`);
    throw e;
  }
  if (!build.ok || !build.bytes) {
    for (const d of build.diagnostics) ctx.io.err(`${formatDiagnostic(d)}\n`);
    throw new CliError(`--capture: the instrumented variant of ${a.source} does not compile`, 1, build.stderr);
  }

  const toStdout = req.file === '-';
  if (toStdout && !ctx.io.bytes) throw new CliError('--capture -: this output cannot take binary data');
  let stream: WriteStream | undefined;
  if (!toStdout) {
    const s = createWriteStream(req.file);
    stream = s;
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
    }).catch((e: Error) => {
      throw new CliError(`--capture: cannot write ${req.file}: ${e.message}`);
    });
  }
  const sink = (chunk: Buffer) => {
    if (stream) stream.write(chunk);
    else ctx.io.bytes!(chunk);
  };

  // Packets may arrive before capture.start's reply names the capture: held until the writer knows its interface.
  const state: { info?: CaptureInfo; pcap?: CapturePcapng; pending: CapturedPacket[] } = { pending: [] };
  const run = await CaptureRun.start(s.client, {
    attachment: a.attachment,
    object: build.bytes,
    program: a.program,
    filter: req.filter,
    snapLength: req.snapLength,
    onPackets: (packets) => {
      if (!state.info || !state.pcap) return void state.pending.push(...packets);
      for (const p of packets) state.pcap.add(state.info, p);
    },
  }).catch(async (e: unknown) => {
    // nothing was captured: leave no empty file behind
    if (stream) await new Promise<void>((resolve) => stream!.end(() => resolve())).then(() => rm(req.file, { force: true }));
    throw e;
  });
  const info = run.info;
  const pcap = new CapturePcapng(sink);
  state.info = info;
  state.pcap = pcap;
  for (const p of state.pending) pcap.add(info, p);
  ctx.io.err(
    `capturing the verdicts of ${a.program} on ${a.attachment}${req.filterText ? ` (filter: ${req.filterText})` : ''}${req.durationS ? ` for ${req.durationS} s` : ''}; Ctrl-C stops\n`,
  );
  let timer: NodeJS.Timeout | undefined;
  const stops: Promise<void>[] = [ctx.interrupted()];
  if (req.durationS)
    stops.push(
      new Promise<void>((r) => {
        timer = setTimeout(r, req.durationS! * 1000);
      }),
    );
  await Promise.race(stops);
  if (timer) clearTimeout(timer);
  const summary = await run.stop();
  if (stream) await new Promise<void>((resolve, reject) => stream!.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (!summary.restored.ok) {
    throw new CliError(`--capture: ${summary.restored.message ?? 'the plain program could not be put back'}`);
  }
  return { file: req.file, packets: pcap.packets, summary, info };
}

/** The capture's lines of the attach report. */
export function describeCapture(c: CaptureOutcome): string {
  const v =
    Object.entries(c.summary.verdicts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'no packets';
  const where = c.file === '-' ? 'stdout' : c.file;
  return (
    `captured ${c.packets} packet${c.packets === 1 ? '' : 's'} into ${where} (${v}); ` +
    `seen ${c.summary.seen}, matched ${c.summary.matched}, lost ${c.summary.lost}\n` +
    `the plain program (prog ${c.summary.restored.progId}) is attached again\n`
  );
}

/** The `capture` member of `attach --json`. */
export function captureJson(c: CaptureOutcome): Record<string, unknown> {
  return {
    file: c.file,
    packets: c.packets,
    seen: c.summary.seen,
    matched: c.summary.matched,
    received: c.summary.received,
    lost: c.summary.lost,
    verdicts: c.summary.verdicts,
    snapLength: c.info.snapLength,
    filter: c.info.filter ?? null,
    capturedProgId: c.info.captureProgId,
    restoredProgId: c.summary.restored.progId,
    durationMs: c.summary.durationMs,
  };
}

// `ebpf-netdebug run --host H --program REF (--packet HEX | --pcapng FILE [--index N]) [--repeat N] [--runs N]`:
// one packet through a loaded XDP or tc program with the kernel's test run (agent `prog.run`); prints the verdict,
// the time per run, what the program changed in the packet (decoded against the input) and in its maps.
// --json: the agent's result plus `changes` (the decoded differences of the last run's output).
import { readFileSync } from 'node:fs';
import { runReport } from '../../core/packet/runReport';
import { LINKTYPE_ETHERNET, PcapngError, readPcapng } from '../../core/pcapng/reader';
import { commonOptions, hostOptions, parseCommand, requireHost } from '../args';
import { usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { keyValues, printJson } from '../output';

function count(option: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw usageError(`${option} ${v}: expected a whole number 1..${max}`);
  return Number(v);
}

/** The packet as hex, from --packet or from packet --index of a pcapng file (Ethernet captures only). */
export function packetFromOptions(v: { packet?: string; pcapng?: string; index?: string }): string {
  if ((v.packet === undefined) === (v.pcapng === undefined))
    throw usageError('run: give the packet with exactly one of --packet HEX or --pcapng FILE');
  if (v.packet !== undefined) {
    const hex = v.packet.replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw usageError('--packet: expected hex, two digits per byte (spaces and colons allowed)');
    if (hex.length < 28) throw usageError(`--packet: ${hex.length / 2} bytes is shorter than an Ethernet header (14)`);
    return hex.toLowerCase();
  }
  if (v.index !== undefined && !/^\d+$/.test(v.index)) throw usageError(`--index ${v.index}: expected a packet number from 0`);
  const index = Number(v.index ?? 0);
  let file: Buffer;
  try {
    file = readFileSync(v.pcapng!);
  } catch (e) {
    throw usageError(`--pcapng ${v.pcapng}: ${(e as Error).message}`);
  }
  let packets;
  try {
    packets = readPcapng(file);
  } catch (e) {
    if (e instanceof PcapngError) throw usageError(`--pcapng ${v.pcapng}: ${e.message}`);
    throw e;
  }
  const p = packets[index];
  if (!p) throw usageError(`--index ${index}: ${v.pcapng} holds ${packets.length} packet(s), numbered from 0`);
  if (p.linkType !== LINKTYPE_ETHERNET)
    throw usageError(`--index ${index}: link type ${p.linkType} is not Ethernet (1); XDP and tc see Ethernet frames`);
  return Buffer.from(p.data).toString('hex');
}

export async function runCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('run', argv, {
    ...commonOptions,
    ...hostOptions,
    program: { type: 'string' },
    packet: { type: 'string' },
    pcapng: { type: 'string' },
    index: { type: 'string' },
    repeat: { type: 'string' },
    runs: { type: 'string' },
  });
  if (positionals.length) throw usageError(`run: unexpected argument ${positionals[0]}`);
  if (!values.program) throw usageError('run: --program is required (OBJECT/PROGRAM, a pin path, or id:N)');
  if (values.index !== undefined && values.pcapng === undefined) throw usageError('run: --index goes with --pcapng');
  const program = /^\d+$/.test(values.program) ? `id:${values.program}` : values.program;
  const packet = packetFromOptions(values);
  const repeat = count('--repeat', values.repeat, 1_000_000);
  const runs = count('--runs', values.runs, 10_000);
  const host = requireHost('run', values.host, ctx.env);
  const r = await withSession(ctx, host, (s) =>
    s.client.progRun({ program, packet, ...(repeat ? { repeat } : {}), ...(runs ? { runs } : {}) }),
  );
  const report = runReport(packet, r);
  if (values.json) {
    const last = report.outcomes.find((o) => o.output === r.output && o.retval === r.retval);
    printJson(ctx.io, { ...r, changes: last?.changes ?? [] });
    return 0;
  }
  const pairs: [string, string][] = [
    ['program', `${r.program.id} ${r.program.name} (${r.program.type})`],
    ['input', report.inputSummary],
    ['time', `${r.durationNs} ns per run (${r.runs > 1 ? `${r.runs} runs x ` : ''}repeat ${r.repeat})`],
  ];
  let text = keyValues(pairs);
  for (const o of report.outcomes) {
    const head = `${r.runs > 1 ? `${String(o.count).padStart(6)}x ` : ''}${o.verdict} (retval ${o.retval})`;
    text += `${head}: ${o.same ? 'packet unchanged' : 'packet changed'}\n`;
    for (const line of o.changes) text += `    ${line}\n`;
  }
  text += report.maps.length ? `maps:\n${report.maps.map((l) => `    ${l}\n`).join('')}` : 'maps: unchanged\n';
  for (const m of r.mapsSkipped) if (!/frozen/.test(m.reason)) text += `    (${m.name || m.id} not compared: ${m.reason})\n`;
  ctx.io.out(text);
  return 0;
}

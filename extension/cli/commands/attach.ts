// `ebpf-netdebug attach xdp|tc|sockops|skmsg|tracepoints --host H ... FILE(.bpf.c|.o)`: compile (a .bpf.c, for the
// host's kernel), set --set knobs, load the object through the agent, attach the program, print the attachment
// (its `id` is what `detach` takes). An object whose bytes are already loaded under its default name is reused,
// which is how `attach sockops` and then `attach skmsg` of one object share its maps.
import type { Attachment, LoadedObject } from '../../../protocol/types';
import { attachTcConfirmed, attachXdpConfirmed, type ConfirmPolicy } from '../../core/reconnect/confirmedAttach';
import type { ObjectProgram } from '../../core/elf/bpfObject';
import type { AttachKind } from '../../core/elf/programTypes';
import type { Session } from '../../core/session';
import { commonOptions, exactlyOne, hostOptions, oneOf, parseAssignments, parseCommand, positiveNumber, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { explainLoadFailure } from '../loadErrors';
import { type PreparedObject } from '../objectInput';
import { startObjectForHost } from '../earlyCompile';
import { printJson } from '../output';
import { makeTimer } from '../timing';
import { captureJson, captureRequest, describeCapture, runCapture } from './attachCapture';

const KINDS = ['xdp', 'tc', 'sockops', 'skmsg', 'tracepoints'] as const;
/** `--capture` and its companions (attachCapture.ts). */
const CAPTURE_OPTIONS = ['capture', 'filter', 'snap-length', 'duration'];

const attachOptions = {
  ...commonOptions, ...hostOptions,
  dev: { type: 'string' }, netns: { type: 'string' }, mode: { type: 'string' }, direction: { type: 'string' },
  via: { type: 'string' }, cgroup: { type: 'string' }, 'create-cgroup': { type: 'boolean' }, map: { type: 'string' },
  program: { type: 'string' }, name: { type: 'string' }, set: { type: 'string', multiple: true },
  replace: { type: 'boolean' }, reload: { type: 'boolean' }, 'confirm-within': { type: 'string' }, 'no-confirm': { type: 'boolean' },
  capture: { type: 'string' }, filter: { type: 'string' }, 'snap-length': { type: 'string' }, duration: { type: 'string' },
} as const;

/** Which options each kind takes (beyond the common ones): anything else is a usage error, not ignored. */
const kindOptions: Record<AttachKind, readonly string[]> = {
  xdp: ['dev', 'netns', 'mode', 'via', 'replace', 'confirm-within', 'no-confirm', ...CAPTURE_OPTIONS],
  tc: ['dev', 'netns', 'direction', 'via', 'replace', 'confirm-within', 'no-confirm', ...CAPTURE_OPTIONS],
  sockops: ['cgroup', 'create-cgroup'],
  skmsg: ['map'],
  tracepoints: [],
};
const generalOptions = ['json', 'help', 'verbose', 'host', 'program', 'name', 'set', 'reload'];

export async function attachCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [kindArg, ...rest] = argv;
  const kind = oneOf('attach', kindArg, KINDS);
  if (!kind) throw usageError(`attach: which kind? expected one of ${KINDS.join(', ')}`);
  const { values, positionals } = parseCommand(`attach ${kind}`, rest, attachOptions);
  for (const [opt, v] of Object.entries(values)) {
    if (v !== undefined && !generalOptions.includes(opt) && !kindOptions[kind].includes(opt)) {
      throw usageError(`attach ${kind}: --${opt} does not apply (options for ${kind}: ${kindOptions[kind].map((o) => `--${o}`).join(', ') || 'none'})`);
    }
  }
  const file = exactlyOne(`attach ${kind}`, 'an object (FILE.o) or source (FILE.bpf.c)', positionals);
  const host = requireHost(`attach ${kind}`, values.host, ctx.env);
  if ((kind === 'xdp' || kind === 'tc') && !values.dev) throw usageError(`attach ${kind}: --dev IFACE is required`);
  if (kind === 'tc' && !values.direction) throw usageError('attach tc: --direction ingress|egress is required');
  if (kind === 'sockops' && !values.cgroup) throw usageError('attach sockops: --cgroup PATH is required (a cgroup v2 directory)');
  const mode = oneOf('--mode', values.mode, ['native', 'generic', 'offload'] as const);
  const direction = oneOf('--direction', values.direction, ['ingress', 'egress'] as const);
  const via = kind === 'xdp' ? oneOf('--via', values.via, ['bpftool', 'iproute2'] as const) : undefined;
  const tcVia = kind === 'tc' ? oneOf('--via', values.via, ['tc', 'tcx'] as const) : undefined;
  // Seconds, like the editor's ebpfNetDebug.confirmWithin setting.
  const confirmSeconds = positiveNumber('--confirm-within', values['confirm-within']);
  if (confirmSeconds !== undefined && values['no-confirm']) throw usageError(`attach ${kind}: --confirm-within and --no-confirm contradict each other`);
  const policy: ConfirmPolicy = { noConfirm: values['no-confirm'], confirmWithinMs: confirmSeconds === undefined ? undefined : Math.round(confirmSeconds * 1000) };
  const set = parseAssignments('--set', values.set);
  if (values.name !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(values.name)) {
    throw usageError(`--name ${values.name}: object names are 1-64 letters, digits, '_' or '-'`);
  }

  const capture = captureRequest(kind, file, values);
  // With `--capture -` stdout carries the pcapng file: the report goes to stderr.
  const report = capture?.file === '-' ? ctx.io.err : ctx.io.out;

  const timer = makeTimer(ctx.env, ctx.io.err);
  timer.mark('attach: arguments parsed');
  // Compiling starts now, in parallel with connecting (earlyCompile.ts); the session checks the guessed kernel.
  const object = startObjectForHost(host, file, { set, io: ctx.io, command: `attach ${kind}` });
  const result = await withSession(ctx, host, async (s) => {
    timer.mark('attach: session open');
    const obj = await timer.phase('compile (what remains after connecting)', () => object.forSession(s));
    const programs = choosePrograms(kind, obj, values.program, file);
    const { name, loadedNow } = await timer.phase('load', () => ensureLoaded(s, obj, values.name, values.reload ?? false, `attach ${kind}`, ctx));
    const ref = `${name}/${programs[0].name}`;
    try {
      const { attachment: att, confirmation } = await timer.phase('attach+confirm', () => attachOne(s, kind, {
        ref, name, obj, dev: values.dev, netns: values.netns, mode, direction, via, tcVia, cgroup: values.cgroup,
        createCgroup: values['create-cgroup'], map: values.map, replace: values.replace,
      }, policy));
      const result = { ...att, object: name, program: kind === 'tracepoints' ? undefined : programs[0].name, programs: programs.map((p) => p.name), confirmation };
      if (!capture) return { result };
      // The plain program stays attached whatever happens to the capture.
      const captured = await runCapture(s, ctx, capture, {
        attachment: att.id, source: obj.source ?? file, program: programs[0].name, section: programs[0].section, kind: kind as 'xdp' | 'tc', set,
      }).catch((e: unknown) => {
        if (e instanceof CliError) e.message += ` (${programs[0].name} stays attached: id ${att.id})`;
        throw e;
      });
      return { result, captured };
    } catch (e) {
      // Leave nothing behind for a failed attach: an object we loaded just for it goes again.
      if (loadedNow) await s.client.objectUnload({ name }).catch(() => undefined);
      throw e;
    }
  }).catch(async (e: unknown) => {
    await object.settled();
    throw e;
  });
  timer.mark('attach: session closed');
  const { result: att, captured } = result;
  if (values.json) printJson({ ...ctx.io, out: report }, captured ? { ...att, capture: captureJson(captured) } : att);
  else report(describeAttachment(att) + (captured ? describeCapture(captured) : ''));
  return 0;
}

function choosePrograms(kind: AttachKind, obj: PreparedObject, wanted: string | undefined, file: string): ObjectProgram[] {
  const all = obj.info.programs;
  const list = (ps: ObjectProgram[]) => ps.map((p) => `${p.name} (${p.section})`).join(', ') || 'none';
  if (wanted !== undefined) {
    const p = all.find((x) => x.name === wanted);
    if (!p) throw usageError(`--program ${wanted}: ${file} has no such program (it has: ${list(all)})`);
    if (p.attachKind && p.attachKind !== kind) throw usageError(`--program ${wanted}: section "${p.section}" is a ${p.programType} program; attach it with \`attach ${p.attachKind}\``);
    return [p];
  }
  const fit = all.filter((p) => p.attachKind === kind);
  if (!fit.length) throw new CliError(`attach ${kind}: ${file} has no ${kind} program (its programs: ${list(all)})`);
  if (kind === 'tracepoints') return fit;
  if (fit.length > 1) throw usageError(`attach ${kind}: ${file} has ${fit.length} ${kind} programs (${list(fit)}); choose one with --program NAME`);
  return fit;
}

async function ensureLoaded(s: Session, obj: PreparedObject, explicitName: string | undefined, reload: boolean, command: string,
  ctx: CliContext): Promise<{ name: string; loadedNow: boolean; loaded: LoadedObject }> {
  const name = explicitName ?? obj.defaultName;
  const existing = (await s.client.objectList()).find((o) => o.name === name);
  // The default name carries a hash of the bytes: the same name means the same object, so reuse it (and its maps).
  if (existing && !explicitName && !reload) return { name, loadedNow: false, loaded: existing };
  if (existing && !reload) {
    throw new CliError(`${command}: an object named "${name}" is already loaded on ${s.host}; add --reload to load this one in its place`);
  }
  try {
    const loaded = await s.client.objectLoad({ name, object: obj.bytes.toString('base64'), replace: reload || undefined });
    return { name, loadedNow: true, loaded };
  } catch (e) {
    explainLoadFailure(e, { command, source: obj.source, includeDirs: obj.includeDirs, io: ctx.io });
  }
}

interface AttachArgs {
  ref: string; name: string; obj: PreparedObject; dev?: string; netns?: string; mode?: 'native' | 'generic' | 'offload';
  direction?: 'ingress' | 'egress'; via?: 'bpftool' | 'iproute2'; tcVia?: 'tc' | 'tcx'; cgroup?: string; createCgroup?: boolean;
  map?: string; replace?: boolean;
}

/** What the dead-man switch did: nothing (not needed), or the attach was confirmed within `withinMs`. */
type Confirmation = { status: 'not-needed' } | { status: 'confirmed'; withinMs: number };

async function attachOne(s: Session, kind: AttachKind, a: AttachArgs, policy: ConfirmPolicy): Promise<{ attachment: Attachment; confirmation?: Confirmation }> {
  const client = s.client;
  switch (kind) {
    case 'xdp':
    case 'tc': {
      // XDP and tc can cut the connection to the host: on the SSH interface (or when asked) the agent arms its
      // watchdog and the attach is confirmed over a fresh round trip (core/reconnect/confirmedAttach.ts).
      const outcome = kind === 'xdp'
        ? await attachXdpConfirmed(s, { program: a.ref, dev: a.dev!, netns: a.netns, mode: a.mode, replace: a.replace, via: a.via }, policy)
        : await attachTcConfirmed(s, { program: a.ref, dev: a.dev!, netns: a.netns, direction: a.direction!, via: a.tcVia, replace: a.replace }, policy);
      if (outcome.status === 'rolled-back') throw new CliError(`attach ${kind}: ${outcome.message}`);
      return {
        attachment: outcome.attachment,
        confirmation: outcome.status === 'confirmed' ? { status: 'confirmed', withinMs: outcome.withinMs } : { status: 'not-needed' },
      };
    }
    case 'sockops':
      return { attachment: await client.attachCgroup({ program: a.ref, cgroup: a.cgroup!, type: 'sock_ops', create: a.createCgroup }) };
    case 'skmsg': {
      let map = a.map;
      if (!map) {
        const socks = a.obj.info.maps.filter((m) => m.type === 'sockhash' || m.type === 'sockmap');
        if (socks.length !== 1) {
          throw usageError(`attach skmsg: --map is required (the object has ${socks.length} sockmap/sockhash maps${socks.length ? `: ${socks.map((m) => m.name).join(', ')}` : ''})`);
        }
        map = `${a.name}/${socks[0].name}`;
      }
      return { attachment: await client.attachSkMsg({ program: a.ref, map }) };
    }
    case 'tracepoints':
      return { attachment: await client.attachTracepoints({ object: a.name }) };
  }
}

export function describeAttachment(a: Attachment & { object: string; program?: string; programs: string[]; confirmation?: Confirmation }): string {
  const where: string[] = [];
  if (a.dev) where.push(`to ${a.dev}${a.direction ? ` ${a.direction}` : ''} in netns ${a.netns ?? 'root'}`);
  if (a.mode) where.push(`mode ${a.mode}`);
  if (a.cgroup) where.push(`to cgroup ${a.cgroup} as ${a.attachType ?? 'sock_ops'}`);
  if (a.map) where.push(`to map ${a.map}`);
  if (a.kind === 'tracepoints') where.push(`(${a.programs.join(', ')})`);
  const what = a.program ?? `the tracepoints of ${a.object}`;
  const confirmed = a.confirmation?.status === 'confirmed' ? `confirmed: the host was still reachable (the watchdog stood down within ${a.confirmation.withinMs / 1000} s)\n` : '';
  return `attached ${what}${a.progId ? ` (prog ${a.progId})` : ''} ${where.join(', ')}\n${confirmed}object: ${a.object}\nid: ${a.id}\n`;
}

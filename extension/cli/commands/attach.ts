// `ebpf-netdebug attach xdp|tc|sockops|skmsg|tracepoints --host H ... FILE(.bpf.c|.o)`: compile (a .bpf.c, for the
// host's kernel), set --set knobs, load the object through the agent, attach the program, print the attachment
// (its `id` is what `detach` takes). An object whose bytes are already loaded under its default name is reused,
// which is how `attach sockops` and then `attach skmsg` of one object share its maps.
import type { Attachment } from '../../../protocol/types';
import type { ConfirmPolicy } from '../../core/reconnect/confirmedAttach';
import { AttachError } from '../../core/attach/attachError';
import { attachWorkflow, type Confirmation } from '../../core/attach/attachWorkflow';
import type { AttachKind } from '../../core/elf/programTypes';
import { commonOptions, exactlyOne, hostOptions, oneOf, parseAssignments, parseCommand, positiveNumber, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { explainLoadFailure } from '../loadErrors';
import { startObjectForHost } from '../earlyCompile';
import { printJson } from '../output';
import { makeTimer } from '../timing';
import { captureJson, captureRequest, describeCapture, runCapture } from './attachCapture';

const KINDS = ['xdp', 'tc', 'sockops', 'skmsg', 'tracepoints'] as const;
/** `--capture` and its companions (attachCapture.ts). */
const CAPTURE_OPTIONS = ['capture', 'filter', 'snap-length', 'duration'];

const attachOptions = {
  ...commonOptions,
  ...hostOptions,
  dev: { type: 'string' },
  netns: { type: 'string' },
  mode: { type: 'string' },
  direction: { type: 'string' },
  via: { type: 'string' },
  cgroup: { type: 'string' },
  'create-cgroup': { type: 'boolean' },
  map: { type: 'string' },
  program: { type: 'string' },
  name: { type: 'string' },
  set: { type: 'string', multiple: true },
  replace: { type: 'boolean' },
  reload: { type: 'boolean' },
  'confirm-within': { type: 'string' },
  'no-confirm': { type: 'boolean' },
  capture: { type: 'string' },
  filter: { type: 'string' },
  'snap-length': { type: 'string' },
  duration: { type: 'string' },
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
      throw usageError(
        `attach ${kind}: --${opt} does not apply (options for ${kind}: ${kindOptions[kind].map((o) => `--${o}`).join(', ') || 'none'})`,
      );
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
  if (confirmSeconds !== undefined && values['no-confirm'])
    throw usageError(`attach ${kind}: --confirm-within and --no-confirm contradict each other`);
  const policy: ConfirmPolicy = {
    noConfirm: values['no-confirm'],
    confirmWithinMs: confirmSeconds === undefined ? undefined : Math.round(confirmSeconds * 1000),
  };
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
    // The workflow shared with the editor (core/attach/attachWorkflow.ts); the CLI answers its questions from
    // the options and says what is missing instead of asking.
    const r = await timer.phase('compile+load+attach+confirm', () =>
      attachWorkflow(
        s,
        {
          kind,
          command: `attach ${kind}`,
          programLabel: '--program',
          object: { file, prepared: (sess) => timer.phase('compile (what remains after connecting)', () => object.forSession(sess)) },
          target: {
            dev: values.dev,
            netns: values.netns,
            mode,
            direction,
            via,
            tcVia,
            cgroup: values.cgroup,
            createCgroup: values['create-cgroup'],
            map: values.map,
            replace: values.replace,
          },
          program: values.program,
          name: values.name,
          reload: values.reload,
          confirm: policy,
        },
        {
          chooseProgram: (fit) => {
            throw usageError(
              `attach ${kind}: ${file} has ${fit.length} ${kind} programs (${fit.map((p) => `${p.name} (${p.section})`).join(', ')}); choose one with --program NAME`,
            );
          },
          chooseMap: (socks) => {
            throw usageError(
              `attach skmsg: --map is required (the object has ${socks.length} sockmap/sockhash maps: ${socks.map((m) => m.name).join(', ')})`,
            );
          },
          loadRejected: (e, obj) =>
            explainLoadFailure(e, { command: `attach ${kind}`, source: obj.source, includeDirs: obj.includeDirs, io: ctx.io }),
        },
      ).catch((e: unknown) => {
        throw asCliError(e);
      }),
    );
    const attached = { ...r.attachment, object: r.object, program: r.program, programs: r.programs, confirmation: r.confirmation };
    if (!capture || !r.program) return { result: attached };
    // The plain program stays attached whatever happens to the capture.
    const program = r.program;
    const captured = await runCapture(s, ctx, capture, {
      attachment: r.attachment.id,
      source: file,
      program,
      section: r.loaded.programs.find((p) => p.name === program)?.section || undefined,
      kind: kind as 'xdp' | 'tc',
      set,
    }).catch((e: unknown) => {
      if (e instanceof CliError) e.message += ` (${program} stays attached: id ${r.attachment.id})`;
      throw e;
    });
    return { result: attached, captured };
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

/** The workflow's errors in the CLI's terms: wrong input exits 2, everything else 1. */
function asCliError(e: unknown): unknown {
  if (e instanceof AttachError) return new CliError(e.message, e.usage ? 2 : 1, e.details);
  return e;
}

export function describeAttachment(
  a: Attachment & { object: string; program?: string; programs: string[]; confirmation?: Confirmation },
): string {
  const where: string[] = [];
  if (a.dev) where.push(`to ${a.dev}${a.direction ? ` ${a.direction}` : ''} in netns ${a.netns ?? 'root'}`);
  if (a.mode) where.push(`mode ${a.mode}`);
  if (a.cgroup) where.push(`to cgroup ${a.cgroup} as ${a.attachType ?? 'sock_ops'}`);
  if (a.map) where.push(`to map ${a.map}`);
  if (a.kind === 'tracepoints') where.push(`(${a.programs.join(', ')})`);
  const what = a.program ?? `the tracepoints of ${a.object}`;
  const confirmed =
    a.confirmation?.status === 'confirmed'
      ? `confirmed: the host was still reachable (the watchdog stood down within ${a.confirmation.withinMs / 1000} s)\n`
      : '';
  return `attached ${what}${a.progId ? ` (prog ${a.progId})` : ''} ${where.join(', ')}\n${confirmed}object: ${a.object}\nid: ${a.id}\n`;
}

// The one attach workflow, shared by the CLI's `attach` and every editor attach command: take a source or an object,
// compile it for the session's host, choose the program, load the object or reuse the identical one already loaded
// (BASENAME-HASH, preparedObject.ts), attach, confirm the dead-man switch over a fresh timed round trip
// (reconnect/confirmedAttach.ts), and unload what it loaded when a later step fails. Whatever needs a person (which
// program, which map) is a callback, and so is progress: the CLI answers from its options and prints, the editor
// shows pickers and a notification.
import type { Attachment, LoadedObject, TcDirection, XdpMode } from '../../../protocol/types';
import { AgentErrorCode } from '../../../protocol/agent';
import { AgentError } from '../agentError';
import type { ObjectMap, ObjectProgram } from '../elf/bpfObject';
import type { AttachKind } from '../elf/programTypes';
import { sessionTarget } from '../compile/sessionTarget';
import type { Session } from '../session';
import { attachTcConfirmed, attachXdpConfirmed, type ConfirmPolicy } from '../reconnect/confirmedAttach';
import { AttachError, AttachRolledBack } from './attachError';
import { prepareObject, type CompileHook, type PreparedObject } from './preparedObject';
import type { CompileDiagnostic } from '../compile/diagnostics';

/** Where the object comes from: a file read (and, for a .bpf.c, compiled) now, or one the caller prepared. */
export type ObjectInput =
  | { file: string; set?: Record<string, string>; compile?: CompileHook }
  | { file: string; prepared: (s: Session) => Promise<PreparedObject> };

export interface AttachTarget {
  dev?: string;
  netns?: string;
  mode?: XdpMode;
  direction?: TcDirection;
  /** XDP: bpftool (default) or iproute2. */
  via?: 'bpftool' | 'iproute2';
  /** tc: classic tc (default) or tcx. */
  tcVia?: 'tc' | 'tcx';
  cgroup?: string;
  createCgroup?: boolean;
  /** sk_msg: the sockmap/sockhash (OBJECT/MAP); default the object's only one. */
  map?: string;
  /** Replace a program already attached there. */
  replace?: boolean;
}

export interface AttachHooks {
  /** One line of progress ("loading ...", "confirming ..."). */
  progress?(message: string): void;
  /** clang's diagnostics when the workflow's own compile fails. */
  diagnostics?(d: CompileDiagnostic[]): void;
  /** Several programs fit and none was named: which one? Without this hook that is an error. */
  chooseProgram?(candidates: ObjectProgram[], kind: AttachKind): Promise<ObjectProgram>;
  /** sk_msg with several sock maps and none named: which one? Without this hook that is an error. */
  chooseMap?(candidates: ObjectMap[]): Promise<ObjectMap>;
  /** The kernel refused the object (verifier): show it where the user looks; may throw its own error instead. */
  loadRejected?(e: AgentError, obj: PreparedObject): Promise<void> | void;
}

export interface AttachRequest {
  kind: AttachKind;
  object: ObjectInput;
  target: AttachTarget;
  /** The program to attach (function name or section); default the only one of this kind. */
  program?: string;
  /** Load under this name instead of BASENAME-HASH (an existing object of that name needs `reload`). */
  name?: string;
  /** Load again even when an object of that name is loaded (replacing it). */
  reload?: boolean;
  /** The dead-man switch (default: on for the interface carrying the SSH session). */
  confirm?: ConfirmPolicy;
  /** The command's words for messages ("attach xdp", "Attach XDP to eth0"). */
  command: string;
  /** How the command names the program option in messages (the CLI: "--program"). */
  programLabel?: string;
}

/** What the dead-man switch did: nothing (not needed), or the attach was confirmed within `withinMs`. */
export type Confirmation = { status: 'not-needed' } | { status: 'confirmed'; withinMs: number };

export interface AttachResult {
  attachment: Attachment;
  /** The object's name on the host. */
  object: string;
  /** Whether this attach loaded it (false: an identical object was loaded already and reused). */
  loadedNow: boolean;
  loaded: LoadedObject;
  /** The attached program (undefined for tracepoints, which attach every program of the object). */
  program?: string;
  programs: string[];
  confirmation: Confirmation;
}

export async function attachWorkflow(s: Session, req: AttachRequest, hooks: AttachHooks = {}): Promise<AttachResult> {
  const say = (m: string) => hooks.progress?.(m);
  const input = req.object;
  if ('prepared' in input) say(`compiling ${baseName(input.file)}`);
  else if (input.file.endsWith('.c'))
    say(`compiling ${baseName(input.file)} for ${s.isLocal ? 'this machine' : `${s.host} (kernel ${s.facts.kernelRelease})`}`);
  const obj =
    'prepared' in input
      ? await input.prepared(s)
      : await prepareObject(input.file, {
          target: async () => sessionTarget(s),
          set: input.set,
          compile: input.compile,
          command: req.command,
          onDiagnostics: hooks.diagnostics,
        });
  const programs = await choosePrograms(req, obj, hooks);
  const { name, loadedNow, loaded } = await ensureLoaded(s, obj, req, hooks);
  try {
    const attachment = await attachOne(s, req, name, programs[0], obj, hooks);
    return {
      ...attachment,
      object: name,
      loadedNow,
      loaded,
      program: req.kind === 'tracepoints' ? undefined : programs[0].name,
      programs: programs.map((p) => p.name),
    };
  } catch (e) {
    // Leave nothing behind for a failed attach: an object loaded just for it goes again.
    if (loadedNow) {
      say(`unloading ${name} again`);
      await s.client.objectUnload({ name }).catch(() => undefined);
    }
    throw e;
  }
}

function baseName(file: string): string {
  return file.split('/').pop() ?? file;
}

async function choosePrograms(req: AttachRequest, obj: PreparedObject, hooks: AttachHooks): Promise<ObjectProgram[]> {
  const { kind } = req;
  const file = req.object.file;
  const label = req.programLabel ?? 'program';
  const all = obj.info.programs;
  const list = (ps: ObjectProgram[]) => ps.map((p) => `${p.name} (${p.section})`).join(', ') || 'none';
  if (req.program !== undefined) {
    const p = all.find((x) => x.name === req.program || x.section === req.program);
    if (!p) throw new AttachError(`${label} ${req.program}: ${file} has no such program (it has: ${list(all)})`, { usage: true });
    if (p.attachKind && p.attachKind !== kind)
      throw new AttachError(
        `${label} ${req.program}: section "${p.section}" is a ${p.programType} program; attach it with \`attach ${p.attachKind}\``,
        { usage: true },
      );
    return [p];
  }
  const fit = all.filter((p) => p.attachKind === kind);
  if (!fit.length) throw new AttachError(`${req.command}: ${file} has no ${kind} program (its programs: ${list(all)})`);
  if (kind === 'tracepoints' || fit.length === 1) return fit;
  if (!hooks.chooseProgram)
    throw new AttachError(`${req.command}: ${file} has ${fit.length} ${kind} programs (${list(fit)}); choose one`, { usage: true });
  return [await hooks.chooseProgram(fit, kind)];
}

async function ensureLoaded(
  s: Session,
  obj: PreparedObject,
  req: AttachRequest,
  hooks: AttachHooks,
): Promise<{ name: string; loadedNow: boolean; loaded: LoadedObject }> {
  const name = req.name ?? obj.defaultName;
  // Load straight away (one round trip, no host-wide listing first): an edited source has a new hash, so its name is
  // free. The agent refuses a name already loaded; only then do we look at what is there.
  hooks.progress?.(`loading ${name} on ${s.host}`);
  try {
    const loaded = await s.client.objectLoad({ name, object: obj.bytes.toString('base64'), replace: req.reload || undefined });
    return { name, loadedNow: true, loaded };
  } catch (e) {
    if (e instanceof AgentError && e.code === AgentErrorCode.VerifierRejected) await hooks.loadRejected?.(e, obj);
    if (!(e instanceof AgentError && e.code === AgentErrorCode.AlreadyAttached && e.data?.argument === 'name')) throw e;
  }
  // The default name carries a hash of the bytes: the same name means the same object, so reuse it (and its maps).
  const existing = !req.name ? (await s.client.objectList()).find((o) => o.name === name) : undefined;
  if (existing) {
    hooks.progress?.(`reusing ${name}, already loaded on ${s.host}`);
    return { name, loadedNow: false, loaded: existing };
  }
  throw new AttachError(`${req.command}: an object named "${name}" is already loaded on ${s.host}; load it again (reload) to replace it`, {
    usage: true,
  });
}

async function attachOne(
  s: Session,
  req: AttachRequest,
  name: string,
  program: ObjectProgram,
  obj: PreparedObject,
  hooks: AttachHooks,
): Promise<{ attachment: Attachment; confirmation: Confirmation }> {
  const t = req.target;
  const ref = `${name}/${program.name}`;
  const say = (m: string) => hooks.progress?.(m);
  switch (req.kind) {
    case 'xdp':
    case 'tc': {
      if (!t.dev) throw new AttachError(`${req.command}: which interface? (dev)`, { usage: true });
      if (req.kind === 'tc' && !t.direction) throw new AttachError(`${req.command}: which direction? (ingress or egress)`, { usage: true });
      say(`attaching ${program.name} to ${t.dev}${t.netns && t.netns !== 'root' ? ` in ${t.netns}` : ''}${t.mode ? ` (${t.mode})` : ''}`);
      // XDP and tc can cut the connection to the host: on the SSH interface (or when asked) the agent arms its
      // watchdog and the attach is confirmed over a fresh round trip.
      const confirmHooks = { progress: say, what: `${program.name} on ${t.dev}` };
      const outcome =
        req.kind === 'xdp'
          ? await attachXdpConfirmed(
              s,
              { program: ref, dev: t.dev, netns: t.netns, mode: t.mode, replace: t.replace, via: t.via },
              req.confirm,
              confirmHooks,
            )
          : await attachTcConfirmed(
              s,
              { program: ref, dev: t.dev, netns: t.netns, direction: t.direction!, via: t.tcVia, replace: t.replace },
              req.confirm,
              confirmHooks,
            );
      if (outcome.status === 'rolled-back') throw new AttachRolledBack(`${req.command}: ${outcome.message}`, outcome.record);
      return {
        attachment: outcome.attachment,
        confirmation: outcome.status === 'confirmed' ? { status: 'confirmed', withinMs: outcome.withinMs } : { status: 'not-needed' },
      };
    }
    case 'sockops':
      if (!t.cgroup) throw new AttachError(`${req.command}: which cgroup? (a cgroup v2 directory)`, { usage: true });
      say(`attaching ${program.name} to cgroup ${t.cgroup}`);
      return {
        attachment: await s.client.attachCgroup({ program: ref, cgroup: t.cgroup, type: 'sock_ops', create: t.createCgroup }),
        confirmation: { status: 'not-needed' },
      };
    case 'skmsg': {
      let map = t.map;
      if (!map) {
        const socks = obj.info.maps.filter((m) => m.type === 'sockhash' || m.type === 'sockmap');
        if (socks.length === 0) throw new AttachError(`${req.command}: the object has no sockmap/sockhash map for ${program.name}`);
        if (socks.length > 1 && !hooks.chooseMap) {
          throw new AttachError(
            `${req.command}: which map? (the object has ${socks.length} sockmap/sockhash maps: ${socks.map((m) => m.name).join(', ')})`,
            { usage: true },
          );
        }
        map = `${name}/${(socks.length === 1 ? socks[0] : await hooks.chooseMap!(socks)).name}`;
      }
      say(`attaching ${program.name} to ${map}`);
      return { attachment: await s.client.attachSkMsg({ program: ref, map }), confirmation: { status: 'not-needed' } };
    }
    case 'tracepoints':
      say(`attaching the tracepoints of ${name}`);
      return { attachment: await s.client.attachTracepoints({ object: name }), confirmation: { status: 'not-needed' } };
  }
}

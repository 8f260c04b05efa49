// `attach FILE.bpf.c --host H` compiles while the connection is being set up instead of after it: against the
// kernel H ran the last time (core/compile/lastTarget.ts) when its vmlinux.h is already cached, or this machine's
// for `local`. Once connected, agent.hello says the host's actual kernel: a matching guess is used as is, anything
// else (first contact, a new kernel, another architecture) is compiled again for the real target, as before.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { localTarget, type TargetHost } from '../core/compile/compileForHost';
import { recallTarget, rememberTarget } from '../core/compile/lastTarget';
import { sessionTarget } from '../core/compile/sessionTarget';
import { defaultVmlinuxCacheDir } from '../core/compile/vmlinux';
import type { Session } from '../core/session';
import { AttachError } from '../core/attach/attachError';
import { prepareObject, type PrepareOptions, type PreparedObject } from '../core/attach/preparedObject';
import { formatDiagnostic } from '../core/compile/diagnostics';
import type { CliIo } from './io';

export interface ObjectForSession {
  /** The object for the session's host: the early one when the guess was right, else compiled now. */
  forSession(s: Session): Promise<PreparedObject>;
  /** Resolves once the early compile (if any) finished, so a failed connection leaves no clang or temp dir behind. */
  settled(): Promise<void>;
}

interface Opts {
  set: Record<string, string>;
  io: CliIo;
  command: string;
}
type Outcome = { ok: true; obj: PreparedObject } | { ok: false; error: unknown };

export function startObjectForHost(host: string, file: string, opts: Opts): ObjectForSession {
  const prepare = (target: PrepareOptions['target'], io: CliIo) =>
    prepareObject(file, {
      target,
      set: opts.set,
      command: opts.command,
      onDiagnostics: (ds) => {
        for (const d of ds) io.out(`${formatDiagnostic(d)}\n`);
      },
    });
  if (!file.endsWith('.c')) {
    // An object file needs no target: read it once connected, as always.
    return { forSession: () => prepare(() => Promise.reject(new Error('no target needed')), opts.io), settled: async () => undefined };
  }
  // Diagnostics of the early compile are held back until we know its target was the right one.
  const held: string[] = [];
  const early = guessTarget(host)
    .then(async (target) => {
      if (!target) return undefined;
      const outcome: Outcome = await prepare(async () => target, { out: (t) => held.push(t), err: (t) => held.push(t) }).then(
        (obj) => ({ ok: true as const, obj }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      return { target, outcome };
    })
    .catch(() => undefined);

  return {
    async forSession(s) {
      const real = sessionTarget(s);
      if (!s.isLocal) await rememberTarget(host, real);
      const guess = await early;
      // A compile error is the source's fault whatever the target: report it. Anything else (clang missing...) is
      // left to the normal path, which says it the usual way.
      if (
        guess &&
        guess.target.kernelRelease === real.kernelRelease &&
        guess.target.arch === real.arch &&
        (guess.outcome.ok || guess.outcome.error instanceof AttachError)
      ) {
        for (const t of held) opts.io.out(t);
        if (guess.outcome.ok) return guess.outcome.obj;
        throw guess.outcome.error;
      }
      return prepare(async () => real, opts.io);
    },
    settled: async () => {
      await early;
    },
  };
}

async function guessTarget(host: string): Promise<TargetHost | undefined> {
  if (host === 'local') return localTarget();
  const last = await recallTarget(host);
  if (!last) return undefined;
  // Only with the header already cached: the host's BTF can be read only once connected.
  const header = join(defaultVmlinuxCacheDir(), last.kernelRelease, 'vmlinux.h');
  if (!(await stat(header).catch(() => undefined))?.size) return undefined;
  return { ...last, readBtf: () => Promise.reject(new Error('the host is not connected yet')) };
}

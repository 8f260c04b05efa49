// object.load: keeps the object file in the private state dir and loads every program of it with
// `bpftool prog loadall OBJ /sys/fs/bpf/ebpf-netdebug/NAME pinmaps /sys/fs/bpf/ebpf-netdebug/NAME/maps`
// (always loadall, even for one program, so every object has the same layout: programs at NAME/PROG, maps at
// NAME/maps/MAP). A refusal with a verifier log becomes VerifierRejected with the failing C line.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { ObjectLoadParams } from '../../protocol/agent';
import type { LoadedObject } from '../../protocol/types';
import { bpftoolPath, type AgentContext } from '../core/context';
import { AgentError, badArgument, verifierRejected } from '../core/errors';
import { objectDir, PIN_ROOT, RESERVED_PREFIX } from '../core/paths';
import { clipOutput, toolFailed } from '../core/runner';
import { requireObject, validateObjectName, validateSymbolName } from '../core/validate';
import { hasVerifierLog, parseVerifierLog } from '../parsers/verifierLog';
import { AgentErrorCode } from '../../protocol/agent';
import { MAX_OBJECT_BASE64 } from '../../protocol/schemas';
import { elfPrograms } from './elfPrograms';
import { describeObject } from './describe';
import { resolveMap } from './refs';
import { ensureStateDir, objectFilePath, saveRecord } from './store';
import { unloadObject } from './unload';

const PROGRAM_TYPE = /^[a-z_][a-z0-9_/]{0,63}$/;

export async function loadObject(ctx: AgentContext, raw: unknown): Promise<LoadedObject> {
  const p = requireObject(raw, 'object.load') as Partial<ObjectLoadParams>;
  const name = validateObjectName(p.name);
  if (p.programType !== undefined && (typeof p.programType !== 'string' || !PROGRAM_TYPE.test(p.programType))) {
    throw badArgument('programType', `"${String(p.programType)}" is not a program type name (e.g. xdp, tc, sock_ops)`);
  }
  const reuse: string[] = [];
  const reuseRecord: Record<string, string> = {};
  if (p.reuseMaps !== undefined) {
    if (!p.reuseMaps || typeof p.reuseMaps !== 'object') throw badArgument('reuseMaps', 'must map map names to map refs');
    for (const [mapName, ref] of Object.entries(p.reuseMaps)) {
      validateSymbolName(mapName, `reuseMaps.${mapName}`);
      const r = resolveMap(ref, `reuseMaps.${mapName}`);
      reuse.push('map', 'name', mapName, ...r.bpftoolArgs);
      reuseRecord[mapName] = String(ref);
    }
  }
  const bytes = objectBytes(p);
  let programs;
  try {
    programs = elfPrograms(bytes);
  } catch (e) {
    throw badArgument(p.object !== undefined ? 'object' : 'path', `not a BPF object: ${(e as Error).message}`);
  }
  if (!programs.length) throw badArgument(p.object !== undefined ? 'object' : 'path', 'the object holds no BPF programs');

  const dir = objectDir(name);
  if (existsSync(dir)) {
    if (!p.replace) throw alreadyLoaded(name);
    await unloadObject(ctx, { name }).catch((e: unknown) => {
      if (!(e instanceof AgentError && e.code === AgentErrorCode.NotFound)) throw e; // a concurrent unload got there first
    });
  }

  // Loaded under a private name first and renamed into place: of two loads of one name, the one whose rename
  // fails (bpffs refuses to rename onto a directory with pins) removes only its own pins and file, never the
  // winner's. The object file and its record follow the same rule.
  ensureStateDir(ctx.stateDir);
  const token = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const tmpDir = `${PIN_ROOT}/${RESERVED_PREFIX}load_${token}`;
  const tmpFile = `${objectFilePath(ctx.stateDir, name)}.${token}`;
  writeFileSync(tmpFile, bytes, { mode: 0o600 });
  mkdirSync(PIN_ROOT, { recursive: true });
  const cleanup = () => {
    rmSync(tmpDir, { recursive: true, force: true }); // a failed loadall may leave half the pins
    rmSync(tmpFile, { force: true });
  };

  const argv = [bpftoolPath(ctx), 'prog', 'loadall', tmpFile, tmpDir];
  if (p.programType) argv.push('type', p.programType);
  argv.push(...reuse, 'pinmaps', `${tmpDir}/maps`);
  const r = await ctx.run(argv, { allowFailure: true, timeoutMs: 120_000 }).catch((e: unknown) => {
    cleanup();
    throw e;
  });
  if (r.exitCode !== 0) {
    cleanup();
    const output = `${r.stderr}\n${r.stdout}`;
    if (hasVerifierLog(output)) {
      throw verifierRejected(parseVerifierLog(output), {
        tool: 'bpftool',
        argv: r.argv,
        exitCode: r.exitCode,
        stdout: clipOutput(r.stdout),
        stderr: clipOutput(r.stderr),
      });
    }
    throw toolFailed(r, 'bpftool prog loadall');
  }
  try {
    renameSync(tmpDir, dir);
  } catch (e) {
    cleanup();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw alreadyLoaded(name, 'another load of this name finished first');
    throw e;
  }
  const file = objectFilePath(ctx.stateDir, name);
  renameSync(tmpFile, file);
  saveRecord(ctx.stateDir, {
    name,
    file,
    programs,
    programType: p.programType,
    reuseMaps: p.reuseMaps ? reuseRecord : undefined,
    loadedAt: Date.now(),
  });
  return describeObject(ctx, name);
}

/** The largest object file loaded (what fits the largest request, protocol/schemas.ts MAX_OBJECT_BASE64). */
const MAX_OBJECT_BYTES = (MAX_OBJECT_BASE64 / 4) * 3;

function alreadyLoaded(name: string, why = 'pass replace: true, or object.unload it first'): AgentError {
  return new AgentError(AgentErrorCode.AlreadyAttached, `an object named "${name}" is already loaded (${why})`, { argument: 'name' });
}

function objectBytes(p: Partial<ObjectLoadParams>): Buffer {
  if (p.object !== undefined && p.path !== undefined) throw badArgument('object', 'give either object (base64) or path, not both');
  if (typeof p.object === 'string') {
    // Linear: whitespace out in one pass, then a pattern whose parts cannot overlap (the old one let `\s*` and the
    // newlines compete, and 32,000 newlines before a bad character took seconds to refuse).
    const compact = p.object.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw badArgument('object', 'is not base64');
    const b = Buffer.from(compact, 'base64');
    if (!b.length) throw badArgument('object', 'is empty');
    return b;
  }
  if (typeof p.path === 'string') {
    if (!p.path.startsWith('/')) throw badArgument('path', `"${p.path}" must be an absolute path on the host`);
    const st = statSync(p.path, { throwIfNoEntry: false });
    if (!st?.isFile()) throw badArgument('path', `no object file at ${p.path}`);
    if (st.size > MAX_OBJECT_BYTES)
      throw badArgument('path', `${p.path} is ${st.size} bytes; object files of at most ${MAX_OBJECT_BYTES} are loaded`);
    try {
      // /proc files say size 0 and may hold anything: read at most the cap, and refuse more
      const b = readFileSync(p.path);
      if (b.length > MAX_OBJECT_BYTES) throw new Error(`more than ${MAX_OBJECT_BYTES} bytes`);
      return b;
    } catch (e) {
      throw badArgument('path', `cannot read ${p.path}: ${(e as Error).message}`);
    }
  }
  throw badArgument('object', 'object (base64 bytes) or path is required');
}

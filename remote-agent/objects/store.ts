// The agent's private records of loaded objects (the object file and which program lives in which section), kept
// in the 0700 state directory. Pins in bpffs stay the source of truth for what is loaded; these records only add
// what the kernel cannot tell (the ELF section, the file for iproute2 and autoattach).
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ElfProgram } from './elfPrograms';

export interface ObjectRecord {
  name: string;
  /** The object file on this host (a copy in the state dir, or the path the request gave). */
  file: string;
  programs: ElfProgram[];
  programType?: string;
  reuseMaps?: Record<string, string>;
  loadedAt: number;
}

export function ensureStateDir(stateDir: string): void {
  mkdirSync(join(stateDir, 'objects'), { recursive: true, mode: 0o700 });
  chmodSync(stateDir, 0o700);
}

export function objectFilePath(stateDir: string, name: string): string {
  return join(stateDir, 'objects', `${name}.o`);
}

function recordPath(stateDir: string, name: string): string {
  return join(stateDir, 'objects', `${name}.json`);
}

export function saveRecord(stateDir: string, rec: ObjectRecord): void {
  ensureStateDir(stateDir);
  writeFileSync(recordPath(stateDir, rec.name), JSON.stringify(rec, null, 1), { mode: 0o600 });
}

export function readRecord(stateDir: string, name: string): ObjectRecord | null {
  const p = recordPath(stateDir, name);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as ObjectRecord;
  } catch {
    return null;
  }
}

export function removeRecord(stateDir: string, name: string): void {
  rmSync(recordPath(stateDir, name), { force: true });
  rmSync(objectFilePath(stateDir, name), { force: true });
}

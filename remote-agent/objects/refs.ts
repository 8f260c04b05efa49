// How requests name programs and maps (protocol/agent.ts ProgramRef/MapRef): `OBJECT/NAME`, an absolute pin path
// under /sys/fs/bpf, or `id:N`. Resolved to what bpftool's argv wants: ["pinned", PATH] or ["id", "N"].
import { existsSync } from 'node:fs';
import { badArgument, notFound } from '../core/errors';
import { objectDir, objectMapsDir } from '../core/paths';
import { validateObjectName, validatePinPath, validateSymbolName } from '../core/validate';

export interface ResolvedRef {
  /** The pin path, when the ref names one. */
  pin?: string;
  id?: number;
  /** For `OBJECT/NAME` refs. */
  object?: string;
  name?: string;
  /** bpftool's way of naming it: ["pinned", P] or ["id", "N"]. */
  bpftoolArgs: string[];
}

function resolve(value: unknown, argument: string, kind: 'program' | 'map'): ResolvedRef {
  if (typeof value !== 'string' || value === '') throw badArgument(argument, `a ${kind} is required (OBJECT/NAME, a pin path or id:N)`);
  const idMatch = /^id:(\d{1,10})$/.exec(value);
  if (idMatch) return { id: Number(idMatch[1]), bpftoolArgs: ['id', idMatch[1]] };
  if (value.startsWith('/')) {
    const pin = validatePinPath(value, argument, true);
    return { pin, bpftoolArgs: ['pinned', pin] };
  }
  const parts = value.split('/');
  if (parts.length !== 2) throw badArgument(argument, `"${value}" is not OBJECT/NAME, an absolute pin path or id:N`);
  const object = validateObjectName(parts[0], argument);
  const name = validateSymbolName(parts[1], argument);
  const pin = kind === 'program' ? `${objectDir(object)}/${name}` : `${objectMapsDir(object)}/${name}`;
  if (!existsSync(pin)) throw notFound(argument, `${argument}: no ${kind} "${name}" in loaded object "${object}" (${pin})`);
  return { pin, object, name, bpftoolArgs: ['pinned', pin] };
}

export function resolveProgram(value: unknown, argument = 'program'): ResolvedRef {
  return resolve(value, argument, 'program');
}

export function resolveMap(value: unknown, argument = 'map'): ResolvedRef {
  return resolve(value, argument, 'map');
}

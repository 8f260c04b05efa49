// Reading the counters our programs keep, the way a user would: find the map by name among the maps of the
// program that is attached (so it works whichever way the program was loaded: a pinned object or iproute2's own
// load), dump it through the agent, and add up the field (over CPUs for per-CPU maps).
import { listMaps, listPrograms, mapDump } from '../../../protocol/agent';
import type { AgentProcess } from './agentProcess';

/** The `id:N` ref of the map called `mapName` used by program `progId`. */
export async function mapOfProgram(agent: AgentProcess, progId: number, mapName: string): Promise<string> {
  const progs = await agent.request0(listPrograms);
  const prog = progs.find((p) => p.id === progId);
  if (!prog) throw new Error(`program id ${progId} is not loaded (bpf.listPrograms)`);
  const maps = await agent.request0(listMaps);
  // The kernel truncates map names to 15 characters.
  const map = maps.find((m) => prog.mapIds.includes(m.id) && m.name === mapName.slice(0, 15));
  if (!map) throw new Error(`program ${progId} (${prog.name}) has no map "${mapName}" (map ids ${prog.mapIds.join(', ')})`);
  return `id:${map.id}`;
}

/** Sum of `field` of the value at `key` (formatted by BTF), over CPUs when the map is per-CPU. */
export async function counter(agent: AgentProcess, map: string, field: string, key = 0): Promise<number> {
  const { entries } = await agent.request(mapDump, { map });
  const entry = entries.find((e) => e.key === key || Number(e.key) === key);
  if (!entry) throw new Error(`map ${map} has no key ${key}: ${JSON.stringify(entries).slice(0, 500)}`);
  return sumField(entry.value, field, map);
}

function sumField(value: unknown, field: string, map: string): number {
  if (Array.isArray(value)) {
    // per-CPU: [{cpu, value}]
    return value.reduce((acc: number, v) => acc + sumField((v as { value: unknown }).value, field, map), 0);
  }
  const n = (value as Record<string, unknown> | null)?.[field];
  if (typeof n !== 'number') throw new Error(`map ${map}: value has no numeric "${field}": ${JSON.stringify(value)}`);
  return n;
}

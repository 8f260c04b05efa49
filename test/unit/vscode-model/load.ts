// Loads the VS Code-free modules of extension/vscode/ for these tests. test/tsconfig.json does not reference the
// extension/vscode project (so a static import fails `tsc -b` with TS6307); requiring by a computed path keeps the
// typecheck green, and the types below state exactly what the tests use. Once test/tsconfig.json references
// ../extension/vscode, plain imports can replace this file.
import { join } from 'node:path';
import type { Attachment, BpfMap, BpfProgram, CgroupAttachment, Lab, NetAttachment, NetInterface, PinEntry } from '../../../protocol/types';
import type { NetListResult } from '../../../protocol/agent';

const root = join(__dirname, '../../..');

export interface HostSnapshot {
  programs: BpfProgram[]; maps: BpfMap[]; net: NetListResult; cgroups: CgroupAttachment[]; pins: PinEntry[]; labs: Lab[];
  attachments: Attachment[]; errors: Record<string, string>;
}
export interface SnapshotSource {
  listPrograms(): Promise<BpfProgram[]>; listMaps(): Promise<BpfMap[]>; netList(p?: { netns?: string }): Promise<NetListResult>;
  cgroupList(p?: { path?: string }): Promise<CgroupAttachment[]>; pinsList(): Promise<PinEntry[]>; labList(): Promise<Lab[]>;
  attachmentsList(): Promise<Attachment[]>;
}
export interface ModelModule {
  takeSnapshot(src: SnapshotSource): Promise<HostSnapshot>;
  groupProgramsByType(p: BpfProgram[]): { type: string; programs: BpfProgram[] }[];
  mapsOfProgram(p: BpfProgram, byId: Map<number, BpfMap>): BpfMap[];
  indexMaps(m: BpfMap[]): Map<number, BpfMap>;
  attachedProgramIds(s: HostSnapshot): Set<number>;
  networkTree(n: NetListResult): { name: string; aliases: string[]; interfaces: { iface: NetInterface; slots: { kind: string; attachments: NetAttachment[] }[] }[] }[];
  detachIdFor(a: NetAttachment, known: Attachment[]): string;
}
export interface SettingsModule {
  defaultSettings: Record<string, unknown>;
  parseSettings(read: (key: string) => unknown): { values: Record<string, unknown> & { hosts: unknown[] }; warnings: string[] };
}
export interface ClangdConfigModule {
  clangdFragment(flags: string[]): string;
  mayOverwrite(existing: string | undefined): boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(rel: string): T => require(join(root, rel)) as T;
export const model = load<ModelModule>('extension/vscode/tree/model');
export const settings = load<SettingsModule>('extension/vscode/settingsModel');
export const clangdConfig = load<ClangdConfigModule>('extension/vscode/language/clangdConfig');

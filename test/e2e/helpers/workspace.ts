// A throwaway workspace holding the BPF programs of bpf/ (sources and headers), like a user's checkout.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './codeServer';

export interface Workspace {
  dir: string;
  remove(): void;
}

export function bpfWorkspace(prefix: string, extra: Record<string, string> = {}): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `end-${prefix}-ws-`));
  // Only the sources: objects are what the extension builds.
  cpSync(join(repoRoot, 'bpf'), join(dir, 'bpf'), { recursive: true, filter: (src) => !src.endsWith('.o') });
  for (const [name, from] of Object.entries(extra)) cpSync(from, join(dir, name));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

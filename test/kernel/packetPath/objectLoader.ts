// Lets the tests import remote-agent/packetPath from source: the agent bundle embeds dist/bpf/tracepkt.o through
// esbuild's 'binary' loader (module.exports = the bytes); under tsx the same import needs the same loader, and
// the object must be built. Import this module before anything from remote-agent/packetPath.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '../../..');
export const TRACEPKT_O = join(REPO, 'dist/bpf/tracepkt.o');

function fresh(): boolean {
  if (!existsSync(TRACEPKT_O)) return false;
  const inputs = [join(REPO, 'bpf/tracepkt.bpf.c'), ...readdirSync(join(REPO, 'bpf/include')).map((h) => join(REPO, 'bpf/include', h))];
  return inputs.every((f) => statSync(f).mtimeMs <= statSync(TRACEPKT_O).mtimeMs);
}

if (!fresh()) {
  // The build script compiles the BPF objects first; a failure in some other bundle does not concern us here.
  try {
    execFileSync(process.execPath, [join(REPO, 'scripts/build.mjs')], { cwd: REPO, stdio: 'pipe' });
  } catch { /* checked below */ }
  if (!fresh()) throw new Error(`could not build ${TRACEPKT_O}: run node scripts/build.mjs and read its errors`);
}

type Loader = (module: { exports: unknown }, filename: string) => void;
const extensions = (require as unknown as { extensions: Record<string, Loader> }).extensions;
extensions['.o'] = (module, filename) => {
  module.exports = new Uint8Array(readFileSync(filename));
};

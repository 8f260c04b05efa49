// The tracer's BPF object for tests that start the packet path tracer from source: built if it is not (or is older
// than its sources), then handed to startPacketPath as its `object` option (tracepktObject()), the way the agent's
// entry hands down the copy its bundle embeds.
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
  } catch {
    /* checked below */
  }
  if (!fresh()) throw new Error(`could not build ${TRACEPKT_O}: run node scripts/build.mjs and read its errors`);
}

/** The bytes of the built tracepkt.o. */
export function tracepktObject(): Uint8Array {
  return new Uint8Array(readFileSync(TRACEPKT_O));
}

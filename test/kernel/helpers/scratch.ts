// Scratch directories for a test process: removed when it exits, also when a test failed or an after() hook never ran.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch: string[] = [];
process.once('exit', () => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A new directory /tmp/end-TAG-XXXXXX, removed when this process exits. */
export function tmpDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `end-${tag}-`));
  scratch.push(d);
  return d;
}

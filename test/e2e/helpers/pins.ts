// The objects an e2e test loaded through the editor: the attach workflow names them BASENAME-HASH
// (extension/core/attach/preparedObject.ts); a test removes those of its own file's base name when it ends.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PIN_ROOT = '/sys/fs/bpf/ebpf-netdebug';

export function removeObjectPins(base: string): void {
  if (!existsSync(PIN_ROOT)) return;
  for (const name of readdirSync(PIN_ROOT)) {
    if (name === base || new RegExp(`^${base}-[0-9a-f]{10}$`).test(name)) rmSync(join(PIN_ROOT, name), { recursive: true, force: true });
  }
}

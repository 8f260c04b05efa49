// Writes "main", "capabilities", "activationEvents" and "contributes" of manifest.mjs into package.json, leaving every other key
// (npm's dependencies, scripts...) as it is. Run after editing manifest.mjs: node extension/vscode/manifest/apply.mjs
// With --check it only says whether package.json is in sync (exit 1 if not).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifest } from './manifest.mjs';

const pkgPath = join(dirname(fileURLToPath(import.meta.url)), '../../../package.json');
const before = readFileSync(pkgPath, 'utf8');
const pkg = JSON.parse(before);
for (const key of ['main', 'capabilities', 'activationEvents', 'contributes']) pkg[key] = manifest[key];
const after = JSON.stringify(pkg, null, 2) + '\n';

if (process.argv.includes('--check')) {
  if (before !== after) {
    console.error('package.json is out of sync with extension/vscode/manifest/manifest.mjs: run node extension/vscode/manifest/apply.mjs');
    process.exit(1);
  }
} else if (before !== after) {
  // Write beside and rename, so a concurrent reader (npm) never sees half a file.
  writeFileSync(pkgPath + '.tmp', after);
  renameSync(pkgPath + '.tmp', pkgPath);
  console.log('package.json: main, activationEvents and contributes updated');
}

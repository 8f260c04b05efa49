// Uploads over an exec channel (no SFTP needed: OpenSSH without `Subsystem sftp`, Dropbear): the bytes go to the
// command's stdin, the host writes them under a temporary name, checks their sha256 against ours and only then
// renames them into place, so a half-written or corrupted file is never used. Constant scripts; the paths and the
// checksum are positional arguments.
import { createHash } from 'node:crypto';
import type { Transport } from '../transport/transport';
import { DeployError } from './deployError';
import { PATH_LINE } from './hostPath';

const FILE_SCRIPT = [
  PATH_LINE,
  'set -e',
  'umask 077',
  'f=$1; want=$2; mode=$3',
  'mkdir -p "${f%/*}"',
  'tmp="$f.tmp-$$"',
  'trap \'rm -f "$tmp"\' EXIT',
  'cat > "$tmp"',
  'got=$(sha256sum "$tmp" | cut -d" " -f1)',
  'if [ "$got" != "$want" ]; then echo "checksum mismatch: the host received sha256 $got, we sent $want" >&2; exit 3; fi',
  'chmod "$mode" "$tmp"',
  'mv -f "$tmp" "$f"',
  'trap - EXIT',
].join('\n');

/** Writes `data` to `path` (absolute) on the host, directories 0700, verified, then renamed into place. */
export async function uploadFile(t: Transport, path: string, data: Buffer, mode: number): Promise<void> {
  const sha = createHash('sha256').update(data).digest('hex');
  const r = await t.exec(['/bin/sh', '-c', FILE_SCRIPT, 'sh', path, sha, mode.toString(8)], { stdin: data, timeoutMs: 300_000 });
  if (r.code !== 0)
    throw new DeployError('UploadFailed', `uploading ${path} to ${t.hostLabel} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
}

const TREE_SCRIPT = [
  PATH_LINE,
  'set -e',
  'umask 077',
  'base=$1; name=$2; want=$3',
  'mkdir -p "$base"',
  'tmp="$base/.$name.tmp-$$"',
  'trap \'rm -rf "$tmp"\' EXIT',
  'mkdir "$tmp"',
  'cat > "$tmp/upload.tar.gz"',
  'got=$(sha256sum "$tmp/upload.tar.gz" | cut -d" " -f1)',
  'if [ "$got" != "$want" ]; then echo "checksum mismatch: the host received sha256 $got, we sent $want" >&2; exit 3; fi',
  'gzip -dc "$tmp/upload.tar.gz" | tar -C "$tmp" -xf -',
  'rm -f "$tmp/upload.tar.gz"',
  // The marker the probe looks for, written last: a directory without it is incomplete and never used.
  'printf "%s\\n" "$want" > "$tmp/.sha256"',
  // Another window may have finished the same upload meanwhile: keep theirs (an agent may be running from it).
  'if [ -f "$base/$name/.sha256" ]; then exit 0; fi',
  'rm -rf "$base/$name"',
  'mv "$tmp" "$base/$name"',
  'trap - EXIT',
].join('\n');

/** Unpacks a .tar.gz into `base/name` on the host after checking its sha256 there; complete or absent, never half. */
export async function uploadTree(t: Transport, base: string, name: string, tarGz: Buffer, sha256: string): Promise<void> {
  const r = await t.exec(['/bin/sh', '-c', TREE_SCRIPT, 'sh', base, name, sha256], { stdin: tarGz, timeoutMs: 600_000 });
  if (r.code !== 0)
    throw new DeployError('UploadFailed', `uploading ${name} to ${t.hostLabel} failed (exit ${r.code}): ${r.stderr.trim()}`, r.stderr);
}

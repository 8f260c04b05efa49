// The compiled-object cache with the real clang: the same source and options compile once (a second ask, or one
// while the first runs, gets the same bytes without running clang), an edited source or an edited header it
// includes compiles again, and a failed compile is kept with its diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearObjectCache, compileCached, peekCompiled } from '../../../../extension/core/compile/objectCache';
import { localTarget } from '../../../../extension/core/compile/compileForHost';

const fixtures = join(__dirname, 'fixtures');
let work: string;
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'end-objc-'));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

// A uapi-only program that includes a header of its own: no vmlinux.h, so no BTF is read.
async function writeProgram(body: string, header = '#define VERDICT XDP_PASS\n'): Promise<string> {
  const source = join(work, 'prog.bpf.c');
  await writeFile(join(work, 'verdict.h'), header);
  await writeFile(source, `${await readFile(join(fixtures, 'ok_uapi.bpf.c'), 'utf8')}\n#include "verdict.h"\n${body}\n`);
  return source;
}

const optsFor = (source: string) => ({ source, host: { ...localTarget(), readBtf: () => Promise.reject(new Error('no BTF needed')) } });

test('same source and options: compiled once; joined while running; edits compile again', async () => {
  clearObjectCache();
  const source = await writeProgram('// one');
  assert.equal(await peekCompiled(optsFor(source)), undefined, 'nothing before the first compile');
  const [a, b] = await Promise.all([compileCached(optsFor(source)), compileCached(optsFor(source))]);
  assert.equal(a, b, 'the second ask joined the running compile');
  assert.ok(a.result.ok, a.result.stderr);
  assert.ok(a.bytes && a.bytes.length > 0);
  assert.ok(!a.result.argv.includes('-MD'), 'the argv shown is the compile as asked');
  assert.equal(await compileCached(optsFor(source)), a, 'cached');
  assert.equal(await peekCompiled(optsFor(source)), a);

  await writeProgram('// two');
  const c = await compileCached(optsFor(source));
  assert.notEqual(c, a, 'an edited source compiles again');

  // The header it includes changes (same source bytes): the entry no longer counts.
  await writeFile(join(work, 'verdict.h'), '#define VERDICT XDP_DROP\n');
  await utimes(join(work, 'verdict.h'), new Date(), new Date(Date.now() + 5_000));
  assert.equal(await peekCompiled(optsFor(source)), undefined, 'an edited header invalidates it');
  const d = await compileCached(optsFor(source));
  assert.notEqual(d, c);
  assert.ok(d.result.ok);
});

test('a failed compile is cached with its diagnostics and no bytes', async () => {
  clearObjectCache();
  const source = await writeProgram('int broken(void) { return NOPE; }');
  const r = await compileCached(optsFor(source));
  assert.equal(r.result.ok, false);
  assert.equal(r.bytes, undefined);
  assert.ok(r.result.diagnostics.some((x) => x.severity === 'error' && /NOPE/.test(x.message)));
  assert.equal(await compileCached(optsFor(source)), r);
});

// The verifier mapper on a real log (bpftool 7.1 refusing fixtures/xdp_unchecked.bpf.c on this kernel), parsed
// by the agent's own parser, so the two sides are tested against the same contract (protocol VerifierRejection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVerifierLog } from '../../../../remote-agent/parsers/verifierLog';
import { formatVerifierLog, resolveSourceFile, verifierDiagnostic } from '../../../../extension/core/verifierLog';

const fixtures = join(__dirname, 'fixtures');
const source = join(fixtures, 'xdp_unchecked.bpf.c');
const rejection = parseVerifierLog(readFileSync(join(fixtures, 'bpftool71-xdp_unchecked.log'), 'utf8'));

test('maps the rejection to the C line in the compiled source, which really is the unchecked read', () => {
  const d = verifierDiagnostic(rejection, { compiledSource: source });
  assert.ok(d);
  assert.equal(d.file, source);
  assert.equal(d.resolved, true);
  assert.equal(d.line, 19);
  assert.equal(d.severity, 'error');
  assert.match(d.message, /^invalid access to packet, off=23 size=1/);
  assert.match(d.message, /at insn 6: \(71\) r1 = \*\(u8 \*\)\(r1 \+23\)/);
  const cLine = readFileSync(source, 'utf8').split('\n')[d.line - 1];
  assert.match(cLine, /iph->protocol == IPPROTO_ICMP/);
  assert.equal(d.code, 'if (iph->protocol == IPPROTO_ICMP)');
});

test('a header line resolves through the source directory and include dirs; unknown files stay unresolved', () => {
  const have = new Set(['/src/prog/local.h', '/opt/bpf/include/netdebug_net.h']);
  const ctx = { compiledSource: '/src/prog/main.bpf.c', includeDirs: ['/opt/bpf/include'], exists: (p: string) => have.has(p) };
  assert.deepEqual(resolveSourceFile('local.h', ctx), { file: '/src/prog/local.h', resolved: true });
  assert.deepEqual(resolveSourceFile('netdebug_net.h', ctx), { file: '/opt/bpf/include/netdebug_net.h', resolved: true });
  assert.deepEqual(resolveSourceFile('main.bpf.c', ctx), { file: '/src/prog/main.bpf.c', resolved: true });
  assert.deepEqual(resolveSourceFile('bpf_helpers.h', ctx), { file: 'bpf_helpers.h', resolved: false });
});

test('without a source annotation (no -g) there is no location', () => {
  assert.equal(verifierDiagnostic({ message: 'R0 !read_ok', log: '0: (95) exit\nR0 !read_ok' }), undefined);
});

test('the formatted log marks the failing instruction, its message and its source annotation', () => {
  const text = formatVerifierLog(rejection, { compiledSource: source });
  const lines = text.split('\n');
  assert.equal(
    lines[0],
    `verifier rejected program xdp_unchecked at ${source}:19: invalid access to packet, off=23 size=1, R1(id=0,off=23,r=14)`,
  );
  const marked = lines.filter((l) => l.startsWith('> '));
  assert.deepEqual(marked, [
    '> ; if (iph->protocol == IPPROTO_ICMP) @ xdp_unchecked.bpf.c:19',
    '> 6: (71) r1 = *(u8 *)(r1 +23)',
    '> invalid access to packet, off=23 size=1, R1(id=0,off=23,r=14)',
    '> R1 offset is outside of the packet',
  ]);
  assert.ok(lines.some((l) => l === '  5: (2d) if r3 > r2 goto pc+4          ; R2=pkt_end() R3=pkt(off=14,r=14)'));
});

test('contextLines trims the head of a long log and says so', () => {
  const text = formatVerifierLog(rejection, { contextLines: 2, marker: '>>' });
  const lines = text.split('\n');
  assert.match(lines[1], /^ {2}\.\.\. \d+ earlier lines of the log omitted$/);
  assert.ok(lines.includes('>>6: (71) r1 = *(u8 *)(r1 +23)'));
  assert.ok(!lines.some((l) => l.includes('0: (b7) r0 = 2')));
});

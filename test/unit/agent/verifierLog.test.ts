// The verifier log of test/fixtures/agent/xdp_broken.bpf.c, as both bpftool versions print it, mapped to the line
// that reads past the packet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasVerifierLog, parseVerifierLog } from '../../../remote-agent/parsers/verifierLog';
import { fixture, VERSIONS } from './fixtures';

for (const v of VERSIONS) {
  describe(`verifier log, bpftool ${v}`, () => {
    const out = fixture(`verifier-xdp_broken.${v}.stderr`);
    it('is recognised as a verifier rejection', () => assert.ok(hasVerifierLog(out)));
    it('names the C line, the message and the failing instruction', () => {
      const r = parseVerifierLog(out);
      assert.deepEqual(r.source, { file: 'xdp_broken.bpf.c', line: 18, code: 'if (iph->protocol == 1)' });
      assert.match(r.message, /^invalid access to packet, off=23 size=1/);
      assert.match(r.message, /R1 offset is outside of the packet/);
      assert.equal(r.instruction, '8: (71) r1 = *(u8 *)(r1 +14)');
      assert.equal(r.program, 'xdp_broken');
      assert.ok(r.log.includes('processed 9 insns'));
      assert.ok(!r.log.includes('END PROG LOAD LOG'));
    });
  });
}

it('an output without a log (a bad ELF) is not a verifier rejection', () => {
  const out = 'libbpf: failed to open object: Invalid argument\nError: failed to open object file\n';
  assert.equal(hasVerifierLog(out), false);
  assert.match(parseVerifierLog(out).message, /failed to open object/);
});

it('a rejection without source annotations still names message and instruction', () => {
  const out = [
    "libbpf: prog 'p': BPF program load failed: Invalid argument",
    "libbpf: prog 'p': -- BEGIN PROG LOAD LOG --",
    '0: R1=ctx() R10=fp0',
    '0: (85) call bpf_unknown#999',
    'invalid func unknown#999',
    'processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    '-- END PROG LOAD LOG --',
  ].join('\n');
  const r = parseVerifierLog(out);
  assert.equal(r.message, 'invalid func unknown#999');
  assert.equal(r.instruction, '0: (85) call bpf_unknown#999');
  assert.equal(r.source, undefined);
  assert.equal(r.program, 'p');
});

// map dump (BTF-formatted) and xlated dumps with line info, as bpftool 7.1 and 7.5 print them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMapDump } from '../../../remote-agent/parsers/mapDump';
import { parseXlated } from '../../../remote-agent/parsers/xlated';
import { fixture, VERSIONS } from './fixtures';

for (const v of VERSIONS) {
  describe(`bpftool ${v} dumps`, () => {
    it('map dump: formatted key and value from BTF, raw hex kept', () => {
      const entries = parseMapDump(fixture(`map-dump-array.${v}.json`));
      assert.equal(entries.length, 256);
      assert.equal(entries[0].key, 0);
      assert.equal(typeof entries[0].value, 'number');
      assert.ok((entries[0].value as number) > 0, 'the XDP program counted packets');
      assert.deepEqual(entries[0].keyHex, ['0x00', '0x00', '0x00', '0x00']);
      assert.equal(entries[0].valueHex?.length, 8);
    });
    it('an empty sockhash dumps as no entries', () => {
      assert.deepEqual(parseMapDump(fixture(`map-dump-sockhash.${v}.json`)), []);
    });
    it('xlated with linum: source line and file per instruction, pc counting 16-byte loads twice', () => {
      const insns = parseXlated(fixture(`xlated-linum.${v}.json`));
      assert.equal(insns[0].pc, 0);
      assert.equal(insns[0].line, 15);
      assert.match(insns[0].file!, /xdp_pass\.bpf\.c$/);
      const lookup = insns.find((i) => i.src?.includes('bpf_map_lookup_elem'));
      assert.equal(lookup?.line, 18);
      assert.match(lookup!.disasm, /^\(18\) r1 = map\[id:\d+\]/);
      const next = insns[insns.indexOf(lookup!) + 1];
      assert.equal(next.pc, lookup!.pc! + 2);
      assert.ok(insns.at(-1)!.disasm.includes('exit'));
    });
  });
}

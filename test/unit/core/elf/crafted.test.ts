// Crafted objects (test/hostile/helpers/craftedElf.ts) against both ELF readers: the agent's elfPrograms and the
// extension's readBpfObject. Each either reads the object with every name cut to its bound, or refuses it with a
// format error saying what is wrong; neither may throw a RangeError/TypeError, run out of memory or loop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBpfObject } from '../../../../extension/core/elf/bpfObject';
import { BtfFormatError } from '../../../../extension/core/elf/btf';
import { ElfFormatError, MAX_NAME, StringTable } from '../../../../extension/core/elf/elfFile';
import { elfPrograms, MAX_NAME as AGENT_MAX_NAME } from '../../../../remote-agent/objects/elfPrograms';
import { btfProducts, craftedObjects, hugeSectionName, manySymbolTables } from '../../../hostile/helpers/craftedElf';

describe('crafted objects', () => {
  it('the extension reader: every name bounded, or an ElfFormatError', () => {
    for (const [name, bytes] of Object.entries(craftedObjects())) {
      try {
        const info = readBpfObject(bytes);
        for (const s of info.sections) assert.ok(s.name.length <= MAX_NAME + 1, `${name}: section name of ${s.name.length}`);
        for (const p of info.programs) assert.ok(p.name.length <= MAX_NAME + 1 && p.section.length <= MAX_NAME + 1, name);
      } catch (e) {
        assert.ok(e instanceof ElfFormatError || e instanceof BtfFormatError, `${name}: ${String(e)}`);
      }
    }
  });

  it('the agent reader: a clear refusal for names without a NUL nearby, and one symbol table read once', () => {
    assert.throws(() => elfPrograms(hugeSectionName()), new RegExp(`a name longer than ${AGENT_MAX_NAME} bytes`));
    const progs = elfPrograms(manySymbolTables(12_000, 2000));
    assert.equal(progs.length, 2000, 'the first symbol table only, not 12,000 times over');
    for (const [name, bytes] of Object.entries(craftedObjects())) {
      try {
        for (const p of elfPrograms(bytes)) assert.ok(p.name.length <= AGENT_MAX_NAME && p.section.length <= AGENT_MAX_NAME, name);
      } catch (e) {
        assert.equal((e as Error).constructor, Error, `${name}: ${String(e)}`);
      }
    }
  });

  it('a huge section name is read once and cut; its thousands of programs keep the cut name', () => {
    const info = readBpfObject(hugeSectionName(900_000, 4000));
    assert.equal(info.programs.length, 4000);
    assert.equal(info.programs[0].section.length, MAX_NAME + 1);
    assert.ok(info.programs[0].section.endsWith('…'));
    assert.equal(info.programs[3999].name, 'f3999');
  });

  it('BTF: a struct shared by thousands of map variables is read once, a self-containing array is refused, copies are bounded', () => {
    const bytes = btfProducts(20_000, 20_000);
    const info = readBpfObject(bytes);
    assert.equal(info.maps.length, 20_000);
    const copied = info.globals.reduce((n, g) => n + (g.initial?.length ?? 0), 0);
    assert.ok(copied <= bytes.length, `initial values copy ${copied} bytes of a ${bytes.length}-byte file`);
    assert.ok(
      info.warnings.some((w) => /overlap/.test(w)),
      info.warnings.join('; '),
    );
    assert.ok(
      info.warnings.some((w) => /nesting too deep/.test(w)),
      info.warnings.join('; '),
    );
  });

  it('StringTable: each offset decoded once, names cut at MAX_NAME', () => {
    const t = new StringTable(Buffer.from(`\0abc\0${'x'.repeat(1000)}`));
    assert.equal(t.at(1), 'abc');
    assert.equal(t.at(2), 'bc');
    assert.equal(t.at(0), '');
    assert.equal(t.at(99_999), '');
    assert.equal(t.at(5).length, MAX_NAME + 1);
  });
});

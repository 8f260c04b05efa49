// The ELF reader against binutils' readelf on real objects: the header fields and every section (name, type,
// size, flags, link, info) must agree with `readelf -h -S -W`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readBpfObject } from '../../../../extension/core/elf/bpfObject';
import { builtObjects, compileFixture } from './fixtureObjects';

interface ReadelfSection {
  nr: number;
  name: string;
  type: string;
  off: number;
  size: number;
  es: number;
  flags: string;
  lk: number;
  inf: number;
  al: number;
}

function readelf(path: string): { header: Record<string, string>; sections: ReadelfSection[] } {
  const text = execFileSync('readelf', ['-h', '-S', '-W', path]).toString();
  const header: Record<string, string> = {};
  const sections: ReadelfSection[] = [];
  let inHeader = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('ELF Header:')) {
      inHeader = true;
      continue;
    }
    if (line.startsWith('Section Headers:')) {
      inHeader = false;
      continue;
    }
    if (inHeader) {
      const m = /^\s+([^:]+):\s+(.*?)\s*$/.exec(line);
      if (m) header[m[1]] = m[2];
      continue;
    }
    const m = /^\s*\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (!m) continue;
    // Parse from the address (the only 16-hex-digit column) outwards: names may be long and flags may be empty.
    const tokens = m[2].trim().split(/\s+/);
    const addrAt = tokens.findIndex((t) => /^[0-9a-f]{16}$/.test(t));
    const type = tokens[addrAt - 1];
    const name = tokens.slice(0, addrAt - 1).join(' ');
    const [off, size, es, ...rest] = tokens.slice(addrAt + 1);
    const flags = rest.length === 4 ? rest[0] : '';
    const [lk, inf, al] = rest.slice(-3).map(Number);
    sections.push({
      nr: Number(m[1]),
      name,
      type,
      off: parseInt(off, 16),
      size: parseInt(size, 16),
      es: parseInt(es, 16),
      flags,
      lk,
      inf,
      al,
    });
  }
  return { header, sections };
}

const fixture = compileFixture('knobs');
// The same source for big-endian BPF (bpfeb): the reader must follow the object's byte order.
const bigEndian = compileFixture('knobs', ['-target', 'bpfeb']);
const objects = [...builtObjects(), fixture.path, bigEndian.path];

test.after(() => {
  fixture.cleanup();
  bigEndian.cleanup();
});

for (const path of objects) {
  test(`agrees with readelf -h -S -W on ${path.split('/').slice(-2).join('/')}`, () => {
    const ours = readBpfObject(readFileSync(path));
    const theirs = readelf(path);
    assert.equal(ours.headerText.machine, theirs.header.Machine);
    assert.equal(ours.headerText.machine, 'Linux BPF');
    assert.equal(ours.headerText.type, theirs.header.Type);
    assert.equal(ours.headerText.class, theirs.header.Class);
    assert.equal(ours.headerText.data, theirs.header.Data);
    assert.equal(ours.headerText.osAbi, theirs.header['OS/ABI']);
    assert.equal(String(ours.header.shoff), theirs.header['Start of section headers'].replace(/ .*/, ''));
    assert.equal(String(ours.header.shnum), theirs.header['Number of section headers']);
    assert.equal(String(ours.header.shstrndx), theirs.header['Section header string table index']);
    assert.equal(ours.sections.length, theirs.sections.length);
    for (const [i, s] of theirs.sections.entries()) {
      const o = ours.sections[i];
      assert.deepEqual(
        {
          nr: o.index,
          name: o.name,
          type: o.type,
          off: o.offset,
          size: o.size,
          es: o.entsize,
          flags: o.flags,
          lk: o.link,
          inf: o.info,
          al: o.align,
        },
        s,
        `section [${i}] ${s.name}`,
      );
    }
    assert.equal(
      ours.btf,
      theirs.sections.some((s) => s.name === '.BTF'),
    );
    assert.equal(
      ours.btfExt,
      theirs.sections.some((s) => s.name === '.BTF.ext'),
    );
  });
}

test('every shipped program family is among the objects checked', () => {
  // Guards against a silent pass when the build produced nothing: the fixture alone is not enough.
  for (const name of ['xdp_drop_ping.o', 'tc_tcp_psh.o', 'sockmap_redir.o', 'tracepkt.o']) {
    assert.ok(
      objects.some((p) => p.endsWith(`/${name}`)),
      name,
    );
  }
});

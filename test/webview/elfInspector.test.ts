// The ELF inspector in real Chromium, showing a BPF object built on this machine (test/fixtures/webview/
// xdp_pass_count.o) as the host would post it (extension/core/elf + the host's summary), checked against what
// `readelf -h` and `readelf -SW` printed for the same file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBpfObject } from '../../extension/core/elf/bpfObject';
import type { ElfSummary } from '../../protocol/webview';
import { repoRoot, startHarness, type ViewHarness } from './helpers/viewPage';
import { fixtureDir, readFixture } from './helpers/fixtures';

interface ElfSummaryModule {
  elfSummary(file: string, size: number, info: ReturnType<typeof readBpfObject>): ElfSummary;
}

describe('ELF inspector webview', () => {
  let h: ViewHarness;
  let summary: ElfSummary;
  before(async () => {
    h = await startHarness();
    const bytes = readFileSync(join(fixtureDir, 'xdp_pass_count.o'));
    const mod = (await import(join(repoRoot, 'extension/vscode/webviews/elfSummary.ts'))) as ElfSummaryModule;
    summary = mod.elfSummary('xdp_pass_count.o', bytes.length, readBpfObject(bytes));
  });
  after(async () => {
    await h?.close();
  });

  it('shows the readelf -h header, programs, maps, license and BTF of a real object', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('elfInspector', { theme, height: 900 });
      await v.send({ type: 'elf', elf: summary });
      await v.page.waitForSelector('dl.header');
      const header = await v.page.$$eval('dl.header dt', (dts) =>
        dts.map((dt) => `${dt.textContent} ${dt.nextElementSibling!.textContent}`),
      );
      const readelf = readFixture('readelf-h.txt')
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.trim().replace(/:\s+/, ': ').trim());
      assert.deepEqual(header, readelf, 'the header reads like readelf -h');
      assert.ok(header.includes('Machine: Linux BPF'));
      const programs = await v.page.$$eval('table[aria-label="Programs"] tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)),
      );
      assert.deepEqual(
        programs.map((r) => r.slice(0, 3)),
        [['xdp_pass_count', 'xdp', 'xdp']],
      );
      const maps = await v.page.$$eval('table[aria-label="Maps"] tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)),
      );
      assert.deepEqual(
        maps.map((r) => r.slice(0, 5)),
        [['proto_count', 'percpu_array', '4', '16', '256']],
      );
      assert.equal(await v.page.$eval('[data-fact="license"]', (e) => e.textContent), 'License: GPL');
      assert.equal(await v.page.$eval('[data-fact=".BTF"]', (e) => e.className), 'fact');
      assert.equal(await v.page.$eval('[data-fact=".BTF.ext"]', (e) => e.className), 'fact');
      const sectionNames = await v.page.$$eval('table[aria-label="Sections"] tbody tr td:nth-child(2)', (tds) =>
        tds.map((t) => t.textContent),
      );
      const readelfNames = readFixture('readelf-S.txt')
        .split('\n')
        .map((l) => /^\s+\[\s*\d+\]\s(\S*)/.exec(l)?.[1])
        .filter((n) => n !== undefined);
      assert.deepEqual(
        sectionNames,
        readelfNames.map((n) => n ?? ''),
      );
      await v.screenshot(`elfInspector-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('asks the host to attach a program and shows the command it ran, or its refusal', async () => {
    const v = await h.open('elfInspector');
    await v.send({ type: 'elf', elf: summary });
    const n = (await v.posted()).length;
    await v.page.click('vscode-button[data-program="xdp_pass_count"]');
    const req = await v.waitPosted<{ requestId: number; program: string }>('attach', n);
    assert.equal(req.program, 'xdp_pass_count');
    await v.send({ type: 'reply', requestId: req.requestId, ok: true, result: { command: 'ebpfNetDebug.attachXdp' } });
    await v.page.waitForFunction(
      () => document.querySelector('#status')!.textContent === 'Running ebpfNetDebug.attachXdp for xdp_pass_count',
    );
    // Sorting by a header keeps every row and says so to screen readers.
    await v.page.click('table[aria-label="Sections"] th[data-column="size"]');
    assert.equal(await v.page.getAttribute('table[aria-label="Sections"] th[data-column="size"]', 'aria-sort'), 'ascending');
    await v.page.close();
  });

  it("shows why a file cannot be inspected, in the reader's own words", async () => {
    // A text file named like an object: what the host posts when extension/core/elf refuses it.
    let message = '';
    try {
      readBpfObject(readFileSync(join(fixtureDir, 'trace_pipe.txt')));
    } catch (e) {
      message = (e as Error).message;
    }
    assert.ok(message, 'the reader refuses a text file');
    const v = await h.open('elfInspector');
    await v.send({ type: 'error', file: 'trace_pipe.o', message });
    assert.equal(await v.page.textContent('[role="alert"]'), message);
    assert.equal(await v.page.textContent('h1'), 'trace_pipe.o');
    await v.page.close();
  });
});

// The host diff view in real Chromium with the shipped HTML and CSP, fed the diff the engine computes
// (extension/core/fleet/hostDiff.ts) of two made-up hosts: one with an extra XDP program on eth1 and another tag of
// one program. Rows say where each difference is; names holding markup are shown as text; refresh goes to the host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Attachment, BpfMap, BpfProgram } from '../../protocol/types';
import { diffSnapshots, type HostSnapshot } from '../../extension/core/fleet/hostDiff';
import { startHarness, type ViewHarness } from './helpers/viewPage';

const prog = (id: number, name: string, tag: string): BpfProgram => ({ id, type: 'xdp', name, tag, mapIds: [], pinned: [] });
const map = (id: number, name: string, maxEntries = 4): BpfMap => ({
  id,
  type: 'array',
  name,
  keySize: 4,
  valueSize: 8,
  maxEntries,
  pinned: [],
});
const xdp = (progId: number, dev: string): Attachment => ({
  id: `xdp:root:${dev}`,
  kind: 'xdp',
  progId,
  dev,
  netns: 'root',
  mode: 'driver',
});
const snap = (host: string, programs: BpfProgram[], maps: BpfMap[], attachments: Attachment[]): HostSnapshot => ({
  host,
  programs,
  maps,
  attachments,
  contents: new Map(),
});

describe('host diff webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  const a = snap(
    'web1',
    [prog(10, 'drop_ping', 'aaaa000000000000'), prog(11, 'count', 'cccc000000000000')],
    [map(5, 'stats'), map(6, 'cfg', 8)],
    [xdp(10, 'eth0')],
  );
  const b = snap(
    'web2',
    [
      prog(90, 'drop_ping', 'aaaa000000000000'),
      prog(91, 'count', 'dddd000000000000'),
      prog(92, '<img src=x onerror=alert(1)>', 'eeee000000000000'),
    ],
    [map(7, 'stats'), map(8, 'cfg', 16)],
    [xdp(90, 'eth0'), xdp(92, 'eth1')],
  );
  a.contents.set(5, { entries: [{ key: 0, value: 1, keyHex: ['00'], valueHex: ['01'] }], truncated: false });
  b.contents.set(7, { entries: [{ key: 0, value: 9, keyHex: ['00'], valueHex: ['09'] }], truncated: false });
  const diff = diffSnapshots(a, b);

  it('shows each difference with the two sides next to each other', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const v = await h.open('hostDiff', { theme, height: 700 });
      await v.waitPosted('ready');
      await v.send({ type: 'diff', diff, at: Date.now() });
      await v.page.waitForSelector('table[aria-label="Attachments"]');
      assert.equal(await v.page.textContent('h1'), 'web1 (A) vs web2 (B)');
      assert.equal(await v.page.textContent('#verdict'), 'The hosts differ.');
      const rows = (label: string) =>
        v.page.$$eval(`table[aria-label="${label}"] tbody tr`, (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
      assert.deepEqual(await rows('Attachments'), [
        ['only on B', 'xdp root/eth1', '-', '<img src=x onerror=alert(1)> tag eeee000000000000 (prog 92) driver'],
      ]);
      assert.deepEqual(await rows('Programs'), [
        ['only on B', 'xdp <img src=x onerror=alert(1)>', '-', 'tag eeee000000000000 (prog 92)'],
        ['differ', 'xdp count', 'tag cccc000000000000 (prog 11)', 'tag dddd000000000000 (prog 91)'],
      ]);
      assert.deepEqual(await rows('Maps'), [['differ', 'array cfg', '4/8 B x 8 (map 6)', '4/8 B x 16 (map 8)']]);
      assert.deepEqual(await rows('Map contents'), [['differ', 'array stats key 00', '01', '09']]);
      assert.equal(await v.page.$$eval('img', (x) => x.length), 0, 'markup in a program name stays text');
      await v.screenshot(`hostDiff-${theme}`);
      assert.deepEqual(v.errors, []);
      await v.page.close();
    }
  });

  it('says when the hosts are the same, keeps the "show same" choice, and asks the host to refresh', async () => {
    const v = await h.open('hostDiff');
    await v.send({ type: 'diff', diff: diffSnapshots(a, a), at: Date.now() });
    await v.page.waitForSelector('section[data-section="attachments"] h2');
    assert.equal(await v.page.textContent('#verdict'), 'The hosts are the same.');
    assert.equal(await v.page.textContent('section[data-section="attachments"] h2'), 'Attachments: no differences');
    await v.page.click('#show-same');
    await v.page.waitForFunction(
      () => document.querySelector('section[data-section="programs"] h2')!.textContent === 'Programs: no differences (2 the same)',
    );
    assert.deepEqual(await v.state(), { showSame: true });
    const n = (await v.posted()).length;
    await v.page.click('#refresh');
    await v.waitPosted('refresh', n);
    await v.send({ type: 'error', message: 'web2: connect ECONNREFUSED' });
    assert.equal(await v.page.textContent('[role="alert"]'), 'web2: connect ECONNREFUSED');
    await v.page.close();
  });
});

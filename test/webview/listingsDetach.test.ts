// A detach from the listings page: the real page in Chromium posts what a click on a row's Detach sends, and the
// host's guard (extension/vscode/webviews/listingsDetachGuard.ts, what the listings panel runs for that message)
// asks the user first and detaches only an id it sent in its last snapshot. Forged messages (an id never sent, a
// row of an older snapshot, two ids, an object posing as a string) are refused without a question.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type ViewHarness } from './helpers/viewPage';
import { capturedSnapshot } from './helpers/fixtures';
import { ListingsDetachGuard, type DetachGuardDeps } from '../../extension/vscode/webviews/listingsDetachGuard';

/** The guard's side effects, recorded; `answer` is what the user says to the question. */
function recorder(answer: boolean) {
  const seen = { questions: [] as string[], detached: [] as string[], warnings: [] as string[] };
  const deps: DetachGuardDeps = {
    confirm: async (q) => {
      seen.questions.push(q);
      return answer;
    },
    detach: async (id) => {
      seen.detached.push(id);
    },
    warn: (m) => seen.warnings.push(m),
  };
  return { seen, deps };
}

describe('listings webview: detach', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it("a row's Detach asks the user first and detaches exactly that row's attachment", async () => {
    const snap = capturedSnapshot('7.5');
    const guard = new ListingsDetachGuard();
    guard.remember(snap.namespaces, snap.programs);
    const v = await h.open('listings');
    await v.send({ type: 'snapshot', snapshot: snap });
    await v.page.click('vscode-tab-header[data-tab="network"]');
    const n = (await v.posted()).length;
    await v.page.click('vscode-button[data-detach="xdp:end_wvcap_b:wvcapb"]');
    const msg = await v.waitPosted<{ command: string; args: unknown[] }>('runCommand', n);
    assert.equal(msg.command, 'ebpfNetDebug.detach');
    assert.equal((await v.posted()).length, n + 1, 'one click, one message: the page detaches nothing itself');

    const no = recorder(false);
    assert.equal(await guard.detachAsked(msg.args, no.deps), 'declined');
    assert.equal(no.seen.questions.length, 1);
    assert.match(
      no.seen.questions[0],
      /^Detach xdp_printk_ping #\d+ \(xdp\) from wvcapb in end_wvcap_b\?$/,
      'the question names program, hook, interface, netns',
    );
    assert.deepEqual(no.seen.detached, [], 'no detach when the user says no');

    const yes = recorder(true);
    assert.equal(await guard.detachAsked(msg.args, yes.deps), 'detached');
    assert.deepEqual(yes.seen.detached, ['xdp:end_wvcap_b:wvcapb']);
    assert.deepEqual(v.errors, []);
    await v.page.close();
  });

  it('forged detach messages are refused without a question', async () => {
    const guard = new ListingsDetachGuard();
    guard.remember(capturedSnapshot('7.5').namespaces);
    const tcx = 'tcx:end_wvcap_b:wvcapb:ingress';
    const forged: unknown[] = [
      ['xdp:root:eth0'], // well formed, never sent
      ['xdp:end_wvcap_b:wvcapb', 'tcx:end_wvcap_b:wvcapb:ingress'], // one sent id smuggling a second
      [{ toString: 'xdp:end_wvcap_b:wvcapb' }], // an object posing as a string
      'xdp:end_wvcap_b:wvcapb', // not an argument list
      [],
      ['__proto__'],
    ];
    for (const args of forged) {
      const r = recorder(true);
      assert.equal(await guard.detachAsked(args, r.deps), 'refused', JSON.stringify(args));
      assert.deepEqual([r.seen.questions, r.seen.detached], [[], []], JSON.stringify(args));
      assert.equal(r.seen.warnings.length, 1, 'the refusal is logged');
    }
    // A row of an older snapshot: bpftool 7.1 cannot see tcx, so the newer snapshot no longer holds that id.
    const before = recorder(false);
    assert.equal(await guard.detachAsked([tcx], before.deps), 'declined', 'sent in the 7.5 snapshot');
    guard.remember(capturedSnapshot('7.1').namespaces);
    const stale = recorder(true);
    assert.equal(await guard.detachAsked([tcx], stale.deps), 'refused');
    assert.deepEqual(stale.seen.detached, []);
  });
});

// The live trace view in real Chromium, fed trace_pipe lines captured from this machine's kernel (trace_marker
// writes and a bpf_printk XDP program, test/fixtures/webview/trace_pipe.txt).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TraceEvent } from '../../protocol/types';
import { startHarness, type ViewHarness, type ViewPage } from './helpers/viewPage';
import { capturedTrace } from './helpers/fixtures';
import { toTraceColumns } from '../../protocol/webview';

const captured = capturedTrace();

/** Many distinct rows made from the captured ones (same shape as the kernel's), numbered so order is visible. */
function flood(n: number, from = 0): TraceEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const base = captured[(from + i) % captured.length];
    return { ...base, timestamp: base.timestamp + (from + i) / 1e6, message: `${base.message} #${from + i}` };
  });
}

/** A `lines` message as the host posts it (columns). */
const linesMessage = (events: TraceEvent[], dropped: number) => ({ type: 'lines', dropped, ...toTraceColumns(events) });

const visibleMessages = (v: ViewPage) =>
  v.page.$$eval('.row:not([hidden]) .message', (els) =>
    els
      .map((e) => ({ text: e.textContent ?? '', top: e.getBoundingClientRect().top, bottom: e.getBoundingClientRect().bottom }))
      .filter((r) => r.bottom > 0 && r.top < window.innerHeight)
      .sort((a, b) => a.top - b.top)
      .map((r) => r.text),
  );
const text = (v: ViewPage, sel: string) => v.page.$eval(sel, (e) => e.textContent ?? '');
const frame = (v: ViewPage) => v.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

describe('live trace webview', () => {
  let h: ViewHarness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('shows captured kernel lines as rows with time, cpu, task/pid and message', async () => {
    const v = await h.open('liveTrace');
    await v.send({ type: 'status', state: 'connected', host: 'local' });
    await v.send(linesMessage(captured, 0));
    await frame(v);
    const rows = await v.page.$$eval('.row:not([hidden])', (els) => els.map((r) => Array.from(r.children).map((c) => c.textContent)));
    assert.equal(rows.length, captured.length);
    const ping = rows.find((r) => r[3]!.startsWith('end-ping 10.213.7.1 > 10.213.7.2 echo-request'));
    assert.ok(ping, 'the bpf_printk line is a row');
    assert.match(ping![2]!, /^ping\/\d+$/);
    assert.match(ping![0]!, /^\d+\.\d{6}$/);
    assert.equal(await text(v, '#stat-rows'), `${captured.length} rows`);
    assert.equal(await text(v, '#stat-conn'), 'Tracing trace_pipe on local');
    // What the agent says when another reader holds trace_pipe, shown until lines flow again.
    const busy = 'trace_pipe is busy (the kernel allows one reader): held by pid 3757 (cat); retrying every 500 ms';
    await v.send({ type: 'status', state: 'waiting', host: 'local', message: busy });
    assert.equal(await text(v, '#stat-conn'), `Waiting on local: ${busy}`);
    await v.send({ type: 'status', state: 'connected', host: 'local' });
    assert.deepEqual(v.errors, []);
    await v.screenshot('liveTrace-dark');
    await v.page.close();
  });

  it('shows markup in a message as text and runs nothing', async () => {
    const v = await h.open('liveTrace', { theme: 'light' });
    await v.send(linesMessage(captured, 0));
    await frame(v);
    const markup = captured.find((e) => e.message.includes('<img'))!;
    const shown = await visibleMessages(v);
    assert.ok(shown.includes(markup.message), 'the message is shown verbatim');
    // A task whose name is markup (the capture ran a program called "<b>mk"): shown as such.
    const tasks = await v.page.$$eval('.row .task', (e) => e.map((x) => x.textContent));
    assert.ok(
      tasks.some((t) => /^<b>mk\/\d+$/.test(t!)),
      `task names: ${tasks.join(', ')}`,
    );
    assert.equal(await v.page.$$eval('.viewport img, .viewport b', (e) => e.length), 0, 'no element was created from the markup');
    assert.equal(await v.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await v.screenshot('liveTrace-light');
    await v.page.close();
  });

  it('filters by text and by regex, and reports a bad regex without losing rows', async () => {
    const v = await h.open('liveTrace');
    await v.send(linesMessage(captured, 0));
    await v.page.fill('#filter >> input', 'end-ping');
    await frame(v);
    const pings = captured.filter((e) => e.message.includes('end-ping')).length;
    assert.equal((await visibleMessages(v)).length, pings);
    assert.equal(await text(v, '#stat-rows'), `${pings} of ${captured.length} rows`);
    await v.page.click('#regex');
    await v.page.fill('#filter >> input', 'seq=[12]$');
    await frame(v);
    assert.deepEqual(
      (await visibleMessages(v)).map((m) => m.slice(-5)),
      ['seq=1', 'seq=2'],
    );
    await v.page.fill('#filter >> input', 'seq=[');
    await frame(v);
    assert.match(await text(v, '#filter-error'), /Bad regular expression/);
    assert.equal((await visibleMessages(v)).length, 2, 'the previous filter stays in force');
    await v.page.fill('#filter >> input', '');
    await frame(v);
    assert.equal((await visibleMessages(v)).length, captured.length);
    await v.page.close();
  });

  it('keeps and counts lines that arrive while paused, and shows them on resume', async () => {
    const v = await h.open('liveTrace');
    await v.send(linesMessage(captured, 0));
    await v.page.click('#pause');
    assert.equal(await v.page.getAttribute('#pause', 'aria-pressed'), 'true');
    await v.send(linesMessage(flood(40), 5));
    await v.send(linesMessage(flood(10, 40), 7));
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), `${captured.length} rows`, 'the display holds still');
    assert.equal(await text(v, '#stat-held'), 'paused: 50 new lines held');
    assert.match(await text(v, '#stat-dropped'), /^dropped 12\b/);
    await v.page.click('#pause');
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), `${captured.length + 50} rows`);
    assert.equal(await text(v, '#stat-held'), '');
    assert.ok((await visibleMessages(v)).at(-1)!.endsWith('#49'), 'follow-tail shows the newest line');
    await v.page.close();
  });

  it('renders only the visible rows of 100,000 and bounds the ring to maxRows', async () => {
    const v = await h.open('liveTrace');
    for (let i = 0; i < 10; i++) await v.send(linesMessage(flood(10_000, i * 10_000), 0));
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), '100,000 rows');
    const domRows = await v.page.$$eval('.row', (e) => e.length);
    assert.ok(domRows < 60, `only visible rows are in the DOM (${domRows})`);
    assert.ok((await visibleMessages(v)).at(-1)!.endsWith('#99999'));
    await v.send(linesMessage(flood(5, 100_000), 0));
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), '100,000 rows', 'the default limit is 100,000');
    assert.match(await text(v, '#stat-dropped'), /5 past the 100,000 row limit/);
    await v.page.focus('.viewport');
    await v.page.keyboard.press('Home');
    await frame(v);
    assert.ok((await visibleMessages(v))[0].endsWith('#5'), 'the oldest kept row is the 6th sent');
    await v.send({ type: 'config', maxRows: 1000 });
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), '1,000 rows');
    // One batch longer than the ring: its newest 1,000 rows stay, in order.
    await v.send(linesMessage(flood(2500, 200_000), 0));
    await v.page.keyboard.press('Home');
    await frame(v);
    assert.equal(await text(v, '#stat-rows'), '1,000 rows');
    assert.ok((await visibleMessages(v))[0].endsWith('#201500'), 'the oldest kept row of the long batch');
    await v.page.keyboard.press('End');
    await frame(v);
    assert.ok((await visibleMessages(v)).at(-1)!.endsWith('#202499'));
    await v.page.close();
  });

  it('stops following the tail when the user scrolls up, and follows again on request', async () => {
    const v = await h.open('liveTrace');
    await v.send(linesMessage(flood(2000), 0));
    await frame(v);
    await v.page.hover('.viewport');
    await v.page.mouse.wheel(0, -2000);
    await v.page.waitForFunction(() => !document.querySelector('#follow')!.hasAttribute('disabled'));
    const before = await visibleMessages(v);
    await v.send(linesMessage(flood(500, 2000), 0));
    await frame(v);
    assert.deepEqual(await visibleMessages(v), before, 'rows under the reader do not move');
    await v.page.click('#follow');
    await frame(v);
    assert.ok((await visibleMessages(v)).at(-1)!.endsWith('#2499'));
    assert.equal(((await v.state()) as { follow: boolean }).follow, true);
    await v.page.close();
  });

  it('saves the shown rows as text in trace_pipe layout and as JSON, through the host', async () => {
    const v = await h.open('liveTrace');
    await v.send(linesMessage(captured, 0));
    await v.page.fill('#filter >> input', 'end-ping');
    const n = (await v.posted()).length;
    await v.page.click('#save-text');
    const req = await v.waitPosted<{ requestId: number; format: string; content: string; rows: number }>('save', n);
    assert.equal(req.format, 'text');
    assert.equal(req.rows, 3);
    const lines = req.content.replace(/\n$/, '').split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0],
      /^\s+ping-\d+ \[\d{3}\] \S+ \d+\.\d{6}: bpf_trace_printk: end-ping 10\.213\.7\.1 > 10\.213\.7\.2 echo-request id=\d+ seq=1$/,
    );
    await v.send({ type: 'reply', requestId: req.requestId, ok: true, result: { saved: true, path: '/tmp/trace.txt' } });
    await v.page.waitForFunction(() => document.querySelector('#stat-conn')!.textContent === 'Saved 3 rows to /tmp/trace.txt');
    const m = (await v.posted()).length;
    await v.page.click('#save-json');
    const jreq = await v.waitPosted<{ requestId: number; content: string }>('save', m);
    const rows = JSON.parse(jreq.content) as TraceEvent[];
    assert.deepEqual(
      rows,
      captured.filter((e) => e.message.includes('end-ping')),
    );
    await v.send({ type: 'reply', requestId: jreq.requestId, ok: false, error: 'EACCES: permission denied' });
    await v.page.waitForFunction(() => document.querySelector('#stat-conn')!.textContent === 'Save failed: EACCES: permission denied');
    await v.page.close();
  });

  it('keeps its filter across hide/show through getState/setState', async () => {
    const v = await h.open('liveTrace');
    await v.page.click('#regex');
    await v.page.fill('#filter >> input', 'echo-(request|reply)');
    const state = await v.state();
    await v.page.close();
    const again = await h.open('liveTrace', { state, theme: 'hc' });
    assert.equal(await again.page.$eval('#filter', (e) => (e as HTMLElement & { value: string }).value), 'echo-(request|reply)');
    await again.send(linesMessage(captured, 0));
    await frame(again);
    assert.equal((await visibleMessages(again)).length, 3);
    await again.screenshot('liveTrace-hc');
    await again.page.close();
  });

  it('tells screen readers what the list holds and scrolls by keyboard', async () => {
    const v = await h.open('liveTrace', { height: 300 });
    await v.send(linesMessage(flood(500), 0));
    await frame(v);
    const table = await v.page.$eval('.viewport', (e) => ({
      role: e.getAttribute('role'),
      label: e.getAttribute('aria-label'),
      rows: e.getAttribute('aria-rowcount'),
      tab: (e as HTMLElement).tabIndex,
    }));
    assert.deepEqual(table, { role: 'table', label: 'Trace lines', rows: '500', tab: 0 });
    const last = await v.page.$$eval('.row:not([hidden])', (rs) =>
      rs.map((r) => [r.getAttribute('role'), r.getAttribute('aria-rowindex')]),
    );
    assert.ok(
      last.some(([role, i]) => role === 'row' && i === '500'),
      'the newest row carries its position',
    );
    assert.equal(await v.page.getAttribute('[role="toolbar"]', 'aria-label'), 'Trace controls');
    await v.page.focus('.viewport');
    await v.page.keyboard.press('Home');
    await frame(v);
    assert.ok((await visibleMessages(v))[0].endsWith('#0'));
    assert.equal(await v.page.$eval('#follow', (e) => e.hasAttribute('disabled')), false, 'Home stops following the tail');
    await v.page.keyboard.press('End');
    await frame(v);
    assert.ok((await visibleMessages(v)).at(-1)!.endsWith('#499'));
    await v.page.close();
  });

  it('loads under the strict CSP: no inline script runs, the bundle and styles do', async () => {
    const v = await h.open('liveTrace');
    const csp = await v.page.$eval('meta[http-equiv="Content-Security-Policy"]', (e) => e.getAttribute('content'));
    assert.match(csp!, /default-src 'none'; script-src 'nonce-[\w-]{20,}'/);
    const ran = await v.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inline = 1';
      document.body.append(s);
      return (window as unknown as { __inline?: number }).__inline;
    });
    assert.equal(ran, undefined);
    const bg = await v.page.$eval('body', (e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(31, 31, 31)', 'the stylesheet applied the theme variable');
    await v.page.close();
  });
});

// Two hosts compared: why one drops what another passes. The host posts a HostDiff (extension/core/fleet/hostDiff.ts:
// programs and maps matched by type and name, the tag saying whether the code is the same; attachments by attach
// point; map contents by key); this view shows one table per kind, each row saying where the difference is (only on
// A, only on B, or different on both), with the two sides next to each other. Everything is text from the hosts and
// goes in through textContent. The only thing the view asks for is a refresh.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '../shared/theme.css';
import './hostDiff.css';
import type { HostDiff, DiffAttachment, BpfMap, BpfProgram } from '../../protocol/types';
import type { HostDiffState, HostDiffToHost, HostDiffToView } from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el } from '../shared/dom';

const channel = new HostChannel<HostDiffToHost, HostDiffToView, HostDiffState>(onMessage);
const state: HostDiffState = { showSame: channel.state().showSame ?? false };

const title = el('h1', { id: 'title' }, 'Host diff');
const verdict = el('p', { id: 'verdict', role: 'status', 'aria-live': 'polite' }, 'Waiting for the hosts...');
const refresh = custom('vscode-button', { id: 'refresh', secondary: '' }, 'Refresh');
const showSame = custom('vscode-checkbox', { id: 'show-same', label: 'Show what is the same' }) as HTMLElement & { checked: boolean };
showSame.checked = state.showSame;
const body = el('div', { id: 'sections' });
document.body.append(
  el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Host diff controls' }, refresh, showSame),
  title,
  verdict,
  body,
);

refresh.addEventListener('click', () => {
  verdict.textContent = 'Reading both hosts...';
  channel.post({ type: 'refresh' });
});
showSame.addEventListener('change', () => {
  state.showSame = showSame.checked;
  channel.saveState(state);
  if (last) render(last);
});

let last: HostDiff | undefined;

type Row = { where: 'only on A' | 'only on B' | 'differ'; what: string; a: string; b: string };

function table(label: string, rows: Row[], same: number, a: string, b: string): HTMLElement {
  const section = el('section', { 'data-section': label.toLowerCase().replace(/\s+/g, '-') });
  const sameNote = state.showSame ? ` (${same} the same)` : '';
  section.append(
    el('h2', {}, `${label}: ${rows.length ? `${rows.length} difference${rows.length === 1 ? '' : 's'}` : 'no differences'}${sameNote}`),
  );
  if (!rows.length) return section;
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col' }, 'Where'),
    el('th', { scope: 'col' }, 'What'),
    el('th', { scope: 'col' }, `A: ${a}`),
    el('th', { scope: 'col' }, `B: ${b}`),
  );
  const tbody = el('tbody');
  for (const r of rows) {
    tbody.append(
      el(
        'tr',
        { class: r.where.replace(/\s+/g, '-') },
        el('td', { class: 'where' }, r.where),
        el('td', { class: 'mono' }, r.what),
        el('td', { class: 'mono' }, r.a || '-'),
        el('td', { class: 'mono' }, r.b || '-'),
      ),
    );
  }
  section.append(el('table', { 'aria-label': label }, el('thead', {}, head), tbody));
  return section;
}

const prog = (p: BpfProgram) => `tag ${p.tag} (prog ${p.id})`;
const att = (x: DiffAttachment) =>
  `${x.progName ?? '?'}${x.tag ? ` tag ${x.tag}` : ''}${x.progId !== undefined ? ` (prog ${x.progId})` : ''}${x.mode ? ` ${x.mode}` : ''}`;
const shape = (m: BpfMap) => `${m.keySize}/${m.valueSize} B x ${m.maxEntries} (map ${m.id})`;

function render(d: HostDiff): void {
  last = d;
  title.textContent = `${d.a} (A) vs ${d.b} (B)`;
  verdict.textContent = d.identical ? 'The hosts are the same.' : 'The hosts differ.';
  verdict.className = d.identical ? 'same' : 'differ';
  const programs: Row[] = [
    ...d.programs.onlyA.map((p): Row => ({ where: 'only on A', what: `${p.type} ${p.name}`, a: prog(p), b: '' })),
    ...d.programs.onlyB.map((p): Row => ({ where: 'only on B', what: `${p.type} ${p.name}`, a: '', b: prog(p) })),
    ...d.programs.differ.map((x): Row => ({ where: 'differ', what: x.key, a: x.a.map(prog).join(', '), b: x.b.map(prog).join(', ') })),
  ];
  const attachments: Row[] = [
    ...d.attachments.onlyA.map((x): Row => ({ where: 'only on A', what: x.point, a: att(x), b: '' })),
    ...d.attachments.onlyB.map((x): Row => ({ where: 'only on B', what: x.point, a: '', b: att(x) })),
    ...d.attachments.differ.map((x): Row => ({ where: 'differ', what: x.point, a: att(x.a), b: att(x.b) })),
  ];
  const maps: Row[] = [
    ...d.maps.onlyA.map((m): Row => ({ where: 'only on A', what: `${m.type} ${m.name}`, a: shape(m), b: '' })),
    ...d.maps.onlyB.map((m): Row => ({ where: 'only on B', what: `${m.type} ${m.name}`, a: '', b: shape(m) })),
    ...d.maps.differ.map((x): Row => ({ where: 'differ', what: x.key, a: shape(x.a), b: shape(x.b) })),
  ];
  const contents: Row[] = d.contents.flatMap((c) => [
    ...c.onlyA.map((k): Row => ({ where: 'only on A', what: `${c.map} key ${k}`, a: 'present', b: '' })),
    ...c.onlyB.map((k): Row => ({ where: 'only on B', what: `${c.map} key ${k}`, a: '', b: 'present' })),
    ...c.differ.map((x): Row => ({ where: 'differ', what: `${c.map} key ${x.key}`, a: x.a, b: x.b })),
  ]);
  body.replaceChildren(
    table('Attachments', attachments, d.attachments.same, d.a, d.b),
    table('Programs', programs, d.programs.same, d.a, d.b),
    table('Maps', maps, d.maps.same, d.a, d.b),
    table('Map contents', contents, 0, d.a, d.b),
  );
}

function onMessage(m: HostDiffToView): void {
  switch (m.type) {
    case 'diff':
      render(m.diff);
      break;
    case 'error':
      verdict.textContent = m.message;
      verdict.className = 'error';
      verdict.setAttribute('role', 'alert');
      break;
    case 'status':
      if (m.state !== 'connected') verdict.textContent = `${m.host ?? 'host'}: ${m.message ?? m.state}`;
      break;
  }
}

channel.ready();

// Packet list: the packets of a verdict capture like Wireshark's top pane (time, namespace and interface, verdict
// in colour, addresses and ports, length, drop reason), a filter, and for the selected row its decoded headers and
// its bytes in hex. Everything from the packet is written with textContent: a payload of markup stays text.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/theme.css';
import './packetList.css';
import type { PacketListReplies, PacketListRow, PacketListState, PacketListToHost, PacketListToView } from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el, formatCount } from '../shared/dom';
import { decodeFrame, hexDump, type Summary } from './decode';
import { parseRowFilter, RowFilterError, type FilterableRow, type RowPredicate } from './filter';

/** Packets the view keeps; older ones fall off (saving takes what the host holds, which is every packet). */
const MAX_ROWS = 20_000;

interface Item extends FilterableRow {
  bytes: Uint8Array;
}

const channel = new HostChannel<PacketListToHost, PacketListToView, PacketListState>(onMessage);
const saved = channel.state();
let items: Item[] = [];
let predicate: RowPredicate = () => true;
let selected = saved.selected;
let capturing = false;
let lost = 0;
let fellOff = 0;

const filterField = custom('vscode-textfield', {
  id: 'filter',
  class: 'grow',
  placeholder: 'Filter, e.g. drop icmp, tcp port 80, host 10.0.0.2',
  'aria-label': 'Packet filter',
}) as HTMLElement & { value: string };
const stopButton = custom('vscode-button', { id: 'stop', disabled: '' }, 'Stop');
const saveButton = custom('vscode-button', { id: 'save', secondary: '' }, 'Save as pcapng...');
const wiresharkButton = custom('vscode-button', { id: 'wireshark', secondary: '', hidden: '' }, 'Open in Wireshark');
const title = el('span', { id: 'title' });
const state = el('span', { id: 'state', role: 'status', 'aria-live': 'polite' });
const count = el('span', { id: 'count' });
const lostNote = el('span', { id: 'lost', class: 'lost' });
const summaryNote = el('span', { id: 'summary' });
const filterError = el('span', { id: 'filter-error', class: 'error' });
const tbody = el('tbody');
const table = el(
  'table',
  { class: 'grid', 'aria-label': 'Packets', tabindex: '0', id: 'packets' },
  el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['No.', 'Time', 'Namespace', 'Interface', 'Verdict', 'Source', 'Destination', 'Protocol', 'Length', 'Info', 'Drop reason'].map(
        (h) =>
          el(
            'th',
            { scope: 'col', class: h === 'No.' || h === 'Length' ? 'num' : '', ...(h === 'Verdict' ? { id: 'verdict-heading' } : {}) },
            h,
          ),
      ),
    ),
  ),
  tbody,
);
const layersPane = el(
  'section',
  { class: 'layers', 'aria-label': 'Decoded headers', id: 'layers' },
  el('p', { class: 'empty' }, 'Select a packet to see its headers and bytes.'),
);
const hexPane = el('section', { class: 'hexdump', 'aria-label': 'Packet bytes', id: 'hex' });
document.body.append(
  el(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Packet list controls' },
    filterField,
    stopButton,
    saveButton,
    wiresharkButton,
  ),
  el('div', { class: 'status' }, title, state, count, lostNote, summaryNote, filterError),
  el('div', { class: 'layout' }, el('div', { class: 'list' }, table), el('div', { class: 'detail', id: 'detail' }, layersPane, hexPane)),
);
if (saved.filter) filterField.value = saved.filter;

function persist(): void {
  channel.saveState({ filter: filterField.value ?? '', selected });
}

function base64Bytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function timeText(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.toISOString().slice(11, 19)}.${String(us % 1_000_000).padStart(6, '0')}`;
}

const endpoint = (addr: string, port?: number) =>
  port === undefined ? addr : addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;

function toItem(row: PacketListRow): Item {
  const bytes = base64Bytes(row.data);
  const { summary } = decodeFrame(bytes, row.len, row.link);
  const text = [row.netns, row.dev, row.verdict, summary.protocol, summary.src, summary.dst, summary.info, row.reason ?? '', row.hop ?? '']
    .join(' ')
    .toLowerCase();
  return { row, summary, bytes, text };
}

function rowElement(it: Item): HTMLTableRowElement {
  const r = it.row;
  const s: Summary = it.summary;
  const tr = el(
    'tr',
    { 'data-no': String(r.no), class: r.verdictClass, 'aria-selected': String(r.no === selected) },
    el('td', { class: 'num' }, String(r.no)),
    el('td', { class: 'mono' }, timeText(r.timeUs)),
    el('td', {}, r.netns),
    el('td', {}, r.direction === 'unknown' ? r.dev : `${r.dev} ${r.direction === 'ingress' ? '←' : '→'}`),
    el('td', {}, el('span', { class: `verdict ${r.verdictClass}` }, r.verdict)),
    el('td', { class: 'mono' }, endpoint(s.src, s.sport)),
    el('td', { class: 'mono' }, endpoint(s.dst, s.dport)),
    el('td', {}, s.protocol),
    el('td', { class: 'num' }, String(r.len)),
    el('td', {}, s.info),
    el('td', { class: 'reason' }, r.reason ?? ''),
  );
  tr.addEventListener('click', () => select(r.no));
  return tr;
}

function renderAll(): void {
  tbody.replaceChildren(...items.filter(predicate).map(rowElement));
  renderCount();
}

function renderCount(): void {
  const shown = tbody.childElementCount;
  count.textContent =
    shown === items.length ? `${formatCount(items.length)} packets` : `${formatCount(shown)} of ${formatCount(items.length)} packets`;
  lostNote.textContent =
    lost || fellOff
      ? [lost ? `lost ${formatCount(lost)}` : '', fellOff ? `${formatCount(fellOff)} oldest not shown` : ''].filter(Boolean).join(', ')
      : '';
}

function select(no: number): void {
  selected = no;
  persist();
  for (const tr of tbody.querySelectorAll('tr[aria-selected="true"]')) tr.setAttribute('aria-selected', 'false');
  const tr = tbody.querySelector(`tr[data-no="${no}"]`);
  tr?.setAttribute('aria-selected', 'true');
  tr?.scrollIntoView({ block: 'nearest' });
  renderDetail();
}

function renderDetail(): void {
  const it = items.find((x) => x.row.no === selected);
  if (!it) {
    layersPane.replaceChildren(el('p', { class: 'empty' }, 'Select a packet to see its headers and bytes.'));
    hexPane.replaceChildren();
    return;
  }
  const r = it.row;
  const { layers } = decodeFrame(it.bytes, r.len, r.link);
  const frame = el(
    'details',
    { open: '' },
    el(
      'summary',
      {},
      `Frame ${r.no}: ${r.len} bytes, ${it.bytes.length} captured, ${r.dev} (netns ${r.netns})${r.direction === 'unknown' ? '' : ` ${r.direction}`}`,
    ),
    el(
      'dl',
      {},
      ...(r.hop ? [el('dt', {}, 'Packet path'), el('dd', {}, r.hop)] : []),
      el('dt', {}, r.hop ? 'Tracepoint' : 'Verdict'),
      el('dd', {}, r.verdictValue === undefined ? r.verdict : `${r.verdict} (${r.verdictValue})`),
      ...(r.reason ? [el('dt', {}, 'Drop reason'), el('dd', {}, r.reason)] : []),
    ),
  );
  layersPane.replaceChildren(
    frame,
    ...layers.map((l) =>
      el(
        'details',
        { open: '' },
        el('summary', {}, l.name, ...(l.truncated ? [el('span', { class: 'truncated' }, ' (cut by the snap length)')] : [])),
        el('dl', {}, ...l.fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
      ),
    ),
  );
  hexPane.replaceChildren(el('pre', { class: 'hex mono', 'aria-label': 'Bytes in hex' }, hexDump(it.bytes).join('\n')));
}

function applyFilter(): void {
  try {
    predicate = parseRowFilter(filterField.value ?? '');
    filterError.textContent = '';
  } catch (e) {
    if (!(e instanceof RowFilterError)) throw e;
    filterError.textContent = e.message;
    return;
  }
  persist();
  renderAll();
}

function addRows(rows: PacketListRow[], replace: boolean): void {
  if (replace) {
    items = [];
    fellOff = 0;
    tbody.replaceChildren();
  }
  const fresh = rows.map(toItem);
  items.push(...fresh);
  if (items.length > MAX_ROWS) {
    const drop = items.length - MAX_ROWS;
    fellOff += drop;
    items = items.slice(drop);
    renderAll();
  } else {
    tbody.append(...fresh.filter(predicate).map(rowElement));
    renderCount();
  }
  if (selected !== undefined && fresh.some((f) => f.row.no === selected)) renderDetail();
}

function setCapturing(on: boolean): void {
  capturing = on;
  if (on) stopButton.removeAttribute('disabled');
  else stopButton.setAttribute('disabled', '');
  state.textContent = on ? 'capturing' : 'stopped';
}

function onMessage(m: Exclude<PacketListToView, { type: 'reply' }>): void {
  switch (m.type) {
    case 'capture':
      title.textContent = m.title;
      document.getElementById('verdict-heading')!.textContent = m.verdictHeading ?? 'Verdict';
      setCapturing(m.capturing);
      if (m.wireshark) wiresharkButton.removeAttribute('hidden');
      else wiresharkButton.setAttribute('hidden', '');
      break;
    case 'packets':
      if (m.replace) lost = 0;
      lost += m.lost;
      addRows(m.rows, m.replace);
      break;
    case 'summary': {
      lost = m.lost;
      setCapturing(false);
      const v = Object.entries(m.verdicts)
        .map(([k, n]) => `${k} ${formatCount(n)}`)
        .join(', ');
      summaryNote.textContent = `kernel: seen ${formatCount(m.seen)}, matched ${formatCount(m.matched)}${v ? ` (${v})` : ''}; ${m.restored ? 'plain program attached again' : 'the plain program could NOT be put back'}`;
      renderCount();
      break;
    }
    case 'status':
      if (m.state === 'error') state.textContent = m.message ?? 'error';
      else if (m.state === 'disconnected' || m.state === 'noSession') state.textContent = m.message ?? 'not connected';
      break;
  }
}

const shownNumbers = () => (filterField.value ? [...tbody.children].map((tr) => Number(tr.getAttribute('data-no'))) : undefined);

stopButton.addEventListener('click', () => {
  if (!capturing) return;
  state.textContent = 'stopping...';
  channel.request<PacketListReplies['stop']>({ type: 'stop' }).then(
    (r) => setCapturing(r.capturing),
    (e: Error) => {
      state.textContent = e.message;
    },
  );
});
saveButton.addEventListener('click', () => {
  channel.request<PacketListReplies['save']>({ type: 'save', numbers: shownNumbers() }).then(
    (r) => {
      if (r.saved) state.textContent = `saved ${r.saved}`;
    },
    (e: Error) => {
      state.textContent = e.message;
    },
  );
});
wiresharkButton.addEventListener('click', () => {
  channel.request<PacketListReplies['openWireshark']>({ type: 'openWireshark', numbers: shownNumbers() }).catch((e: Error) => {
    state.textContent = e.message;
  });
});
let filterTimer: ReturnType<typeof setTimeout> | undefined;
filterField.addEventListener('input', () => {
  if (filterTimer) clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 150);
});
table.addEventListener('keydown', (e) => {
  const rows = [...tbody.children] as HTMLElement[];
  if (!rows.length) return;
  const at = rows.findIndex((r) => r.getAttribute('aria-selected') === 'true');
  let next = at;
  if (e.key === 'ArrowDown') next = Math.min(rows.length - 1, at + 1);
  else if (e.key === 'ArrowUp') next = Math.max(0, at < 0 ? 0 : at - 1);
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = rows.length - 1;
  else return;
  e.preventDefault();
  select(Number(rows[next].getAttribute('data-no')));
});

try {
  predicate = parseRowFilter(filterField.value ?? '');
} catch {
  predicate = () => true;
}
channel.ready();

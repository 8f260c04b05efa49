// Packet path view: packets the tracer followed, grouped by the host (extension/core/packetPath); one exchange
// (a request and its reply) at a time as a picture of namespaces, interfaces and numbered arrows, with its hops
// in a table beside it.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/theme.css';
import './packetPath.css';
import type { PacketPathReplies, PacketPathState, PacketPathToHost, PacketPathToView, PacketPathView } from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el, formatCount } from '../shared/dom';
import { SortableTable } from '../shared/sortableTable';
import { describePacket, dropLabel, groupExchanges, stepsOf, type Exchange, type Step } from './exchanges';
import { drawPath } from './pathPicture';

/** Packets kept in the view; older ones fall off (the host keeps the full trace for saving). */
const MAX_PACKETS = 5000;

const channel = new HostChannel<PacketPathToHost, PacketPathToView, PacketPathState>(onMessage);
const saved = channel.state();
const packets = new Map<string, PacketPathView>();
let exchanges: Exchange[] = [];
let selected = saved.selected;
let tracing = false;
let dropped = 0;

const filterField = custom('vscode-textfield', {
  id: 'filter',
  class: 'grow',
  placeholder: 'What to follow, e.g. icmp host 10.0.0.2',
  'aria-label': 'Packet filter',
}) as HTMLElement & { value: string };
const startButton = custom('vscode-button', { id: 'start' }, 'Start');
// the hops' bytes decoded, drops in colour, Save as pcapng: the same trace in a packet list panel
const listButton = custom('vscode-button', { id: 'packet-list', secondary: '' }, 'Packet List');
const status = el(
  'div',
  { class: 'status' },
  el('span', { id: 'state', role: 'status', 'aria-live': 'polite' }),
  el('span', { id: 'count' }),
  el('span', { id: 'dropped' }),
);
const list = el('ul', { role: 'listbox', 'aria-label': 'Packets', tabindex: '0', id: 'packets' });
const detail = el(
  'section',
  { class: 'detail', 'aria-label': 'Path of the selected packet', id: 'detail' },
  el('p', { class: 'empty' }, 'No packet yet. Start tracing, then send some traffic.'),
);
document.body.append(
  el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Packet path controls' }, filterField, startButton, listButton),
  status,
  el('div', { class: 'layout' }, el('nav', { class: 'packets', 'aria-label': 'Packets seen' }, list), detail),
);
if (saved.filter) filterField.value = saved.filter;

const steps = new SortableTable<Step>({
  label: 'Hops',
  empty: 'No hops.',
  rowKey: (s) => String(s.step),
  sort: { column: 'step', descending: false },
  columns: [
    { key: 'step', label: 'Step', numeric: true, value: (s) => s.step },
    { key: 'arrow', label: 'Arrow', numeric: true, value: (s) => s.arrow },
    { key: 'leg', label: 'Packet', value: (s) => s.leg },
    { key: 'netns', label: 'Namespace', value: (s) => s.netns },
    { key: 'if', label: 'Interface', value: (s) => `${s.hop.ifname} (${s.hop.ifindex})` },
    { key: 'tp', label: 'Tracepoint', value: (s) => s.hop.tracepoint },
    { key: 'time', label: '+µs', numeric: true, value: (s) => Math.round((s.hop.timestampNs - (exchangeStart(s) ?? 0)) / 1000) },
    { key: 'drop', label: 'Drop', value: (s) => dropLabel(s.hop) },
  ],
});
let shownExchange: Exchange | undefined;
const exchangeStart = (_s: Step) => shownExchange?.firstNs;

function persist(): void {
  channel.saveState({ filter: filterField.value ?? '', selected });
}

function renderList(): void {
  const items = exchanges.map((x) => {
    const first = x.packets[0];
    const hops = x.packets.reduce((n, p) => n + p.hops.length, 0);
    const li = el(
      'li',
      { role: 'option', 'data-exchange': x.id, 'aria-selected': String(x.id === selected), id: `x-${cssId(x.id)}` },
      `${first.src} → ${first.dst} ${first.protocol} ${x.packets.map((p) => p.label).join(' + ')} ${x.id} (${hops} hops)`,
      ...x.packets
        .filter((p) => p.drop)
        .map((p) => el('span', { class: 'dropped' }, ` ✕ ${p.label} dropped: ${p.drop!.reason ?? `at ${p.drop!.location}`}`)),
    );
    li.addEventListener('click', () => select(x.id));
    return li;
  });
  list.replaceChildren(...items);
  if (selected) list.setAttribute('aria-activedescendant', `x-${cssId(selected)}`);
}

const cssId = (s: string) => s.replace(/[^\w-]/g, '_');

function select(id: string): void {
  selected = id;
  persist();
  renderList();
  renderDetail();
}

function renderDetail(): void {
  const x = exchanges.find((e) => e.id === selected);
  shownExchange = x;
  if (!x) return;
  const s = stepsOf(x);
  const title =
    `${x.packets.map(describePacket).join(', ')}: ` +
    s.map((st) => `${st.step} ${st.leg} ${st.netns}/${st.hop.ifname} ${st.hop.tracepoint}`).join('; ');
  steps.setRows(s);
  detail.replaceChildren(
    el('h2', {}, `${x.packets[0].src} → ${x.packets[0].dst}: ${x.packets.map((p) => p.label).join(' + ')} (${x.id})`),
    el(
      'div',
      { class: 'legend', 'aria-hidden': 'true' },
      el('span', { class: 'request' }, '━ request'),
      el('span', { class: 'reply' }, '╍ reply'),
    ),
    drawPath(s, title),
    steps.element,
  );
}

function onMessage(m: Exclude<PacketPathToView, { type: 'reply' }>): void {
  switch (m.type) {
    case 'packets': {
      if (m.replace) packets.clear();
      for (const p of m.packets) packets.set(p.key, p);
      while (packets.size > MAX_PACKETS) packets.delete(packets.keys().next().value as string);
      dropped += m.dropped;
      exchanges = groupExchanges(packets.values());
      if (!selected || !exchanges.some((x) => x.id === selected)) selected = exchanges[0]?.id;
      renderList();
      renderDetail();
      break;
    }
    case 'filter':
      filterField.value = m.filter;
      setTracing(m.tracing);
      break;
    case 'status':
      document.getElementById('state')!.textContent =
        m.state === 'connected' ? `Connected to ${m.host ?? ''}` : `${m.state}${m.message ? `: ${m.message}` : ''}`;
      break;
  }
  document.getElementById('count')!.textContent = `${formatCount(packets.size)} packets, ${formatCount(exchanges.length)} exchanges`;
  document.getElementById('dropped')!.textContent = dropped ? `dropped ${formatCount(dropped)}` : '';
}

function setTracing(on: boolean): void {
  tracing = on;
  startButton.textContent = on ? 'Stop' : 'Start';
  startButton.setAttribute('aria-pressed', String(on));
}

startButton.addEventListener('click', async () => {
  const state = document.getElementById('state')!;
  try {
    const r = tracing
      ? await channel.request<PacketPathReplies['stop']>({ type: 'stop' })
      : await channel.request<PacketPathReplies['start']>({ type: 'start', filter: filterField.value ?? '' });
    setTracing(r.tracing);
    state.textContent = r.tracing ? `Following ${filterField.value || 'every packet'}` : 'Stopped';
  } catch (e) {
    state.textContent = (e as Error).message;
  }
  persist();
});
listButton.addEventListener('click', () => {
  channel.request<PacketPathReplies['openPacketList']>({ type: 'openPacketList' }).catch((e: Error) => {
    document.getElementById('state')!.textContent = e.message;
  });
});
filterField.addEventListener('input', persist);
list.addEventListener('keydown', (e) => {
  const i = exchanges.findIndex((x) => x.id === selected);
  const next =
    e.key === 'ArrowDown' ? i + 1 : e.key === 'ArrowUp' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? exchanges.length - 1 : -2;
  if (next === -2 || !exchanges[next]) return;
  e.preventDefault();
  select(exchanges[next].id);
});
channel.ready();

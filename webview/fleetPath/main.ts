// Packets across hosts: the fleet's joined packet paths (extension/core/fleet/crossHostPath.ts), one exchange (a
// request and its reply) at a time. The picture is the packet path picture (../packetPath/pathPicture.ts) with
// each HOST as a box (a host showing several namespaces gets a box per namespace, named "host netns"), each
// interface a port, and the numbered arrows between boxes are the wire. The hop table gives each hop's host, its
// time on that host's own clock, and the drop where the packet died; the header states the clock offsets. Each
// host's state is listed (tracing, not traced, lost mid-trace: its hops stop there while the others go on), and
// the Stop button stops the trace on every host.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/theme.css';
import '../packetPath/packetPath.css';
import './fleetPath.css';
import type { FleetHop, FleetHostTraceState, FleetPacketPath, HostClock } from '../../protocol/types';
import type { FleetPathState, FleetPathToHost, FleetPathToView } from '../../protocol/webview';
import type { Step } from '../packetPath/exchanges';
import { drawPath } from '../packetPath/pathPicture';
import { HostChannel } from '../shared/hostChannel';
import { custom, el } from '../shared/dom';

const channel = new HostChannel<FleetPathToHost, FleetPathToView, FleetPathState>(onMessage);
const state: FleetPathState = { selected: channel.state().selected };

interface Exchange {
  id: string;
  packets: FleetPacketPath[];
  firstNs: number;
}
let exchanges: Exchange[] = [];
let clocks: { host: string; clock: HostClock }[] = [];

const status = el('p', { id: 'state', role: 'status', 'aria-live': 'polite' }, 'Waiting for a trace across hosts...');
const stopButton = custom('vscode-button', { id: 'stop', disabled: '' }, 'Stop');
const hostList = el('ul', { id: 'hosts', class: 'hosts', 'aria-label': 'Hosts traced' });
const lostNote = el('p', { id: 'lost', class: 'lost', role: 'alert', hidden: '' });
const clockLine = el('p', { id: 'clocks', class: 'clocks' });
const list = el('ul', { role: 'listbox', 'aria-label': 'Exchanges', tabindex: '0', id: 'exchanges' });
const detail = el('section', { class: 'detail', 'aria-label': 'Path of the selected exchange', id: 'detail' });
document.body.append(
  el('div', { class: 'bar' }, status, stopButton),
  hostList,
  lostNote,
  clockLine,
  el('div', { class: 'layout' }, el('nav', { class: 'packets', 'aria-label': 'Exchanges seen' }, list), detail),
);

const ms = (ns: number) => `${ns < 0 ? '-' : '+'}${(Math.abs(ns) / 1e6).toFixed(3)} ms`;

function group(paths: FleetPacketPath[]): Exchange[] {
  const byId = new Map<string, Exchange>();
  for (const p of paths) {
    const id = p.exchange || p.key;
    let x = byId.get(id);
    if (!x) byId.set(id, (x = { id, packets: [], firstNs: p.firstNs }));
    x.packets.push(p);
    x.firstNs = Math.min(x.firstNs, p.firstNs);
  }
  // A request before its reply whatever the clock estimates say (they may be off by more than a round trip).
  const rank = (p: FleetPacketPath) => (p.label === 'request' ? 0 : p.label === 'reply' ? 1 : 0);
  for (const x of byId.values()) x.packets.sort((a, b) => rank(a) - rank(b) || a.firstNs - b.firstNs);
  return [...byId.values()].sort((a, b) => a.firstNs - b.firstNs);
}

/** A box per host, or per host and namespace when a host shows more than one namespace in this exchange. */
function boxLabeller(x: Exchange): (h: FleetHop) => string {
  const namespaces = new Map<string, Set<number>>();
  for (const p of x.packets) for (const h of p.hops) namespaces.set(h.host, (namespaces.get(h.host) ?? new Set()).add(h.netnsInode));
  return (h) => ((namespaces.get(h.host)?.size ?? 1) > 1 ? `${h.host} ${h.netnsName ?? `ns:${h.netnsInode}`}` : h.host);
}

function stepsOf(x: Exchange): Step[] {
  const label = boxLabeller(x);
  const steps: Step[] = [];
  let arrow = 0;
  for (const p of x.packets) {
    let prev: FleetHop | undefined;
    for (const hop of p.hops) {
      // The picture reads the hop's interface and tracepoint and the packet's label only.
      const s: Step = { step: steps.length + 1, leg: p.label, packet: p as unknown as Step['packet'], hop, netns: label(hop) };
      if (prev && (label(prev) !== label(hop) || prev.ifname !== hop.ifname)) {
        s.arrow = ++arrow;
        s.from = { netns: label(prev), ifname: prev.ifname };
      }
      steps.push(s);
      prev = hop;
    }
  }
  return steps;
}

function summary(x: Exchange): string {
  return `${x.id}  ${x.packets.map((p) => `${p.label} ${p.hosts.join(' → ')}${p.drop ? ' ✕' : ''}`).join(', ')}`;
}

function renderList(): void {
  list.replaceChildren(
    ...exchanges.map((x) => {
      const li = el('li', { role: 'option', 'data-exchange': x.id, 'aria-selected': String(x.id === state.selected) }, summary(x));
      li.addEventListener('click', () => select(x.id));
      return li;
    }),
  );
}

function select(id: string): void {
  state.selected = id;
  channel.saveState(state);
  renderList();
  const x = exchanges.find((e) => e.id === id);
  if (!x) {
    detail.replaceChildren(el('p', { class: 'empty' }, 'No packet yet.'));
    return;
  }
  const rows = el('tbody');
  for (const p of x.packets) {
    let segmentStart = p.hops[0];
    p.hops.forEach((h, i) => {
      const prev = p.hops[i - 1];
      if (prev && prev.host !== h.host) {
        segmentStart = h;
        rows.append(
          el('tr', { class: 'wire' }, el('td', { colspan: '7' }, `~~ wire ~~ ${ms(h.clientNs - prev.clientNs)} by the clock estimates`)),
        );
      }
      rows.append(
        el(
          'tr',
          { class: h.drop ? 'dropped' : '' },
          el('td', {}, p.label),
          el('td', {}, h.host),
          el('td', { class: 'mono' }, h.ifname),
          el('td', {}, h.ttl === undefined ? '-' : String(h.ttl)),
          el('td', { class: 'mono' }, ms(h.timestampNs - segmentStart.timestampNs)),
          el('td', { class: 'mono' }, h.tracepoint),
          el('td', {}, h.drop ? `${h.drop.reason ?? 'dropped'} at ${h.drop.location}` : ''),
        ),
      );
    });
  }
  const head = el(
    'tr',
    {},
    ...['Packet', 'Host', 'Interface', 'TTL', 'On its host', 'Tracepoint', 'Drop'].map((c) => el('th', { scope: 'col' }, c)),
  );
  const died = x.packets.find((p) => p.drop);
  detail.replaceChildren(
    el('h2', {}, `${x.id}: ${x.packets[0].src} → ${x.packets[0].dst}`),
    ...(died?.drop
      ? [
          el(
            'p',
            { class: 'drop', role: 'alert' },
            `The ${died.label} died on ${died.drop.host} ${died.drop.ifname}: ${died.drop.reason ?? 'dropped'} at ${died.drop.location}`,
          ),
        ]
      : []),
    drawPath(stepsOf(x), `Path of ${x.id} across ${[...new Set(x.packets.flatMap((p) => p.hosts))].join(', ')}`),
    el('table', { 'aria-label': 'Hops' }, el('thead', {}, head), rows),
  );
}

stopButton.addEventListener('click', () => {
  if (stopButton.hasAttribute('disabled')) return;
  stopButton.setAttribute('disabled', '');
  status.textContent = 'stopping...';
  channel.post({ type: 'stop' });
});

const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour12: false });

function hostLine(h: FleetHostTraceState): string {
  const scope = `netns scope ${h.netnsScope}`;
  switch (h.state) {
    case 'lost':
      return `${h.host}: LOST${h.since ? ` at ${clock(h.since)}` : ''} (${h.reason ?? 'connection closed'})${h.final ? '' : ', reconnecting'}; its hops stop there`;
    case 'not traced':
      return `${h.host}: not traced (${h.reason ?? 'the tracer did not start'})`;
    case 'tracing':
      return `${h.host}: tracing (${scope})${h.reason ? `; ${h.reason}` : ''}`;
    default:
      return `${h.host}: ${h.state} (${scope})`;
  }
}

function showHosts(hosts: FleetHostTraceState[]): void {
  hostList.replaceChildren(...hosts.map((h) => el('li', { 'data-host': h.host, 'data-state': h.state }, hostLine(h))));
  const lost = hosts.filter((h) => h.state === 'lost');
  const going = hosts.filter((h) => h.state === 'tracing').map((h) => h.host);
  if (!lost.length) {
    lostNote.hidden = true;
    lostNote.textContent = '';
    return;
  }
  lostNote.hidden = false;
  lostNote.textContent = `${lost
    .map((h) => `${h.host} was lost${h.since ? ` at ${clock(h.since)}` : ''}: ${h.reason ?? 'connection closed'}; its hops stop there`)
    .join('. ')}. ${going.length ? `Still tracing on ${going.join(', ')}.` : 'No host is tracing any more.'}`;
}

function onMessage(m: FleetPathToView): void {
  if (m.type === 'status') {
    status.textContent = `${m.host ?? ''} ${m.message ?? m.state}`.trim();
    // Stop is offered while the trace runs, whatever happened to single hosts.
    if (m.state === 'connected') stopButton.removeAttribute('disabled');
    else stopButton.setAttribute('disabled', '');
    stopButton.textContent = m.state === 'disconnected' || m.state === 'error' ? 'Stopped' : 'Stop';
    return;
  }
  if (m.type === 'hosts') {
    showHosts(m.hosts);
    return;
  }
  clocks = m.clocks;
  exchanges = group(m.paths);
  const hosts = [...new Set(m.paths.flatMap((p) => p.hosts))];
  status.textContent = `${m.paths.length} packet${m.paths.length === 1 ? '' : 's'} across ${hosts.length} host${hosts.length === 1 ? '' : 's'}`;
  clockLine.textContent = `Clock offsets (host minus this machine): ${clocks.map((c) => `${c.host} ${(c.clock.offsetNs / 1e6).toFixed(3)} ms ± ${(c.clock.uncertaintyNs / 1e6).toFixed(3)} ms`).join('; ')}`;
  // Show the first exchange seen on the most hosts, unless the user chose one that is still there.
  if (!exchanges.some((x) => x.id === state.selected)) {
    const widest = [...exchanges].sort(
      (a, b) => new Set(b.packets.flatMap((p) => p.hosts)).size - new Set(a.packets.flatMap((p) => p.hosts)).size,
    )[0];
    state.selected = widest?.id;
  }
  if (state.selected) select(state.selected);
  else renderList();
}

channel.ready();

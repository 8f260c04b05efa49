// Program statistics: one row per BPF program of the host, sorted by CPU share, with runs per second, average ns
// per run, percent of one CPU, where it is attached, and a small chart of its CPU share over the last minutes. The
// host keeps the kernel's run-time statistics on while this view is open and posts rates every interval.
import '../shared/theme.css';
import './programStats.css';
import type { ProgramRateView, ProgramStatsToHost, ProgramStatsToView } from '../../protocol/webview';
import { el, svg } from '../shared/dom';
import { HostChannel } from '../shared/hostChannel';

/** Points kept per program: 5 minutes at the default 1 s interval. */
const HISTORY = 300;
const CHART_W = 120;
const CHART_H = 18;

const channel = new HostChannel<ProgramStatsToHost, ProgramStatsToView, Record<string, never>>(onMessage);
const history = new Map<number, number[]>();
const statusLine = el(
  'div',
  { class: 'status', role: 'status', 'aria-live': 'polite' },
  el('span', { id: 'state' }),
  el('span', { id: 'summary' }),
);
const tbody = el('tbody');
const table = el(
  'table',
  { class: 'grid', 'aria-label': 'Programs by CPU share' },
  el(
    'thead',
    {},
    el(
      'tr',
      {},
      ...['Program', 'Type', 'Attached to', 'Runs/s', 'Avg ns', 'CPU %', 'Last minutes (CPU %)'].map((h, i) =>
        el('th', i >= 3 && i <= 5 ? { class: 'num' } : {}, h),
      ),
    ),
  ),
  tbody,
);
document.body.append(
  statusLine,
  el('div', { class: 'scroll' }, table, el('p', { class: 'empty', id: 'empty' }, 'Waiting for the first interval...')),
);

function chart(points: number[]): SVGSVGElement {
  const s = svg('svg', { width: CHART_W, height: CHART_H, class: 'spark', role: 'img' });
  const max = Math.max(...points, 0.001);
  // the line fills the chart from the first interval seen on; older points fall off after HISTORY intervals
  const step = CHART_W / Math.max(points.length - 1, 1);
  const coords = points.map((p, i) => `${(i * step).toFixed(1)},${(CHART_H - 1 - (p / max) * (CHART_H - 2)).toFixed(1)}`).join(' ');
  s.append(svg('polyline', { points: coords, fill: 'none', 'stroke-width': 1.5 }));
  s.setAttribute('aria-label', `CPU % over the last ${points.length} intervals, peak ${max.toFixed(3)}`);
  return s;
}

function render(rates: ProgramRateView[], intervalS: number): void {
  for (const r of rates) {
    const h = history.get(r.id) ?? [];
    h.push(r.cpuPercent);
    if (h.length > HISTORY) h.shift();
    history.set(r.id, h);
  }
  const live = new Set(rates.map((r) => r.id));
  for (const id of [...history.keys()]) if (!live.has(id)) history.delete(id);
  const sorted = [...rates].sort((a, b) => b.cpuPercent - a.cpuPercent || b.runsPerSec - a.runsPerSec || a.id - b.id);
  tbody.replaceChildren(
    ...sorted.map((r) =>
      el(
        'tr',
        { 'data-id': String(r.id) },
        el('td', {}, `${r.name || '(no name)'} #${r.id}`),
        el('td', {}, r.type),
        el('td', {}, r.attachedTo.join(', ') || '-'),
        el('td', { class: 'num' }, r.runsPerSec.toFixed(1)),
        el('td', { class: 'num' }, r.avgNs.toFixed(1)),
        el('td', { class: 'num' }, r.cpuPercent.toFixed(3)),
        el('td', { class: 'chart' }, chart(history.get(r.id)!)),
      ),
    ),
  );
  document.getElementById('empty')!.hidden = true;
  const ran = rates.filter((r) => r.runsPerSec > 0).length;
  document.getElementById('summary')!.textContent = `${rates.length} programs, ${ran} ran in the last ${intervalS.toFixed(1)} s`;
}

function onMessage(m: ProgramStatsToView): void {
  if (m.type === 'rates') render(m.rates, m.intervalS);
  else if (m.type === 'stats') {
    document.getElementById('state')!.textContent = m.on
      ? `Statistics on (${m.mode === 'fd' ? 'held by the agent while this view is open' : m.mode === 'sysctl' ? 'kernel.bpf_stats_enabled, restored when this view closes' : 'they were on already'})`
      : 'Statistics off';
  } else if (m.type === 'status') {
    const s = document.getElementById('state')!;
    s.textContent = m.message ?? m.state;
    s.className = m.state === 'error' ? 'error' : '';
  }
}

channel.ready();

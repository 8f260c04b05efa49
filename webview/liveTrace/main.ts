// Live trace view: trace_pipe lines streamed from the agent, shown through a virtualized list over a bounded
// ring. Everything the kernel wrote is inserted as text (textContent), so markup in a task name or a message is
// displayed, never interpreted.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/theme.css';
import './liveTrace.css';
import type { TraceEvent } from '../../protocol/types';
import {
  DEFAULT_TRACE_MAX_ROWS,
  type LiveTraceReplies,
  type LiveTraceState,
  type LiveTraceToHost,
  type LiveTraceToView,
  type TraceColumns,
} from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el, formatCount } from '../shared/dom';
import { makeFilter, TraceRing } from './traceRing';
import { formatTime, toJson, toText } from './traceFormat';
import { VirtualList } from './virtualList';

const ROW_HEIGHT = 20;
const DEFAULT_MAX_ROWS = DEFAULT_TRACE_MAX_ROWS;

const channel = new HostChannel<LiveTraceToHost, LiveTraceToView, LiveTraceState>(onMessage);
const saved = channel.state();

const ring = new TraceRing(DEFAULT_MAX_ROWS);
let paused = false;
/**
 * Batches received but not yet in the ring, each from row `from` on. Rows are appended in animation frames, at
 * most APPLY_BUDGET_MS of work per frame, so however much arrives at once the view never runs one long task; while
 * paused they wait here. Rows that the ring would push out again before anybody saw them (more pending than
 * maxRows) are skipped and counted as evicted, so a backlog costs no work and no memory beyond the ring's size.
 */
let pending: { c: TraceColumns; from: number }[] = [];
let pendingRows = 0;
let heldTotal = 0;
const APPLY_BUDGET_MS = 8;
let received = 0;
let dropped = 0;
let lastReceived = 0;
let rate = 0;

// ---- toolbar ----
const filterField = custom('vscode-textfield', {
  placeholder: 'Filter (text in task, pid or message)',
  'aria-label': 'Filter trace lines',
  class: 'grow',
  id: 'filter',
}) as HTMLElement & { value: string };
const regexBox = custom('vscode-checkbox', {
  label: 'Regex',
  'aria-label': 'Filter is a regular expression',
  id: 'regex',
}) as HTMLElement & { checked: boolean };
const pauseButton = custom(
  'vscode-button',
  { id: 'pause', 'aria-pressed': 'false', title: 'Pause the display; new lines are kept' },
  'Pause',
);
const clearButton = custom('vscode-button', { id: 'clear', secondary: '', title: 'Remove every row' }, 'Clear');
const saveTextButton = custom('vscode-button', { id: 'save-text', secondary: '', title: 'Save the shown rows as text' }, 'Save text');
const saveJsonButton = custom('vscode-button', { id: 'save-json', secondary: '', title: 'Save the shown rows as JSON' }, 'Save JSON');
const followButton = custom(
  'vscode-button',
  { id: 'follow', secondary: '', title: 'Scroll to the newest line and keep following' },
  'Follow',
);
const toolbar = el(
  'div',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Trace controls' },
  filterField,
  regexBox,
  pauseButton,
  followButton,
  clearButton,
  saveTextButton,
  saveJsonButton,
);

// ---- status line (counters are polite-live only for state changes, not for every tick) ----
const rowsStat = el('span', { id: 'stat-rows' });
const rateStat = el('span', { id: 'stat-rate' });
const droppedStat = el('span', { id: 'stat-dropped' });
const heldStat = el('span', { id: 'stat-held', class: 'warn' });
const connStat = el('span', { id: 'stat-conn', role: 'status', 'aria-live': 'polite' });
const filterError = el('span', { id: 'filter-error', class: 'filter-error', role: 'alert' });
const status = el('div', { class: 'status' }, connStat, rowsStat, rateStat, droppedStat, heldStat, filterError);

const header = el(
  'div',
  { class: 'header', role: 'presentation' },
  el('span', {}, 'Time (s)'),
  el('span', {}, 'CPU'),
  el('span', {}, 'Task/PID'),
  el('span', {}, 'Message'),
);

const list = new VirtualList<TraceEvent>(
  { count: () => ring.shown, at: (i) => ring.shownAt(i), key: (i) => ring.shownSeq(i) },
  {
    rowHeight: ROW_HEIGHT,
    createRow() {
      const row = el('div', { class: 'row' });
      for (const c of ['time', 'cpu', 'task', 'message']) row.append(el('span', { class: c, role: 'cell' }));
      // The full message as a tooltip only when pointed at (setting it on every repaint costs a flood).
      row.addEventListener('mouseenter', () => {
        row.title = row.lastElementChild!.textContent ?? '';
      });
      return row;
    },
    fillRow(row, e) {
      const [time, cpu, task, message] = row.children as unknown as HTMLElement[];
      time.textContent = formatTime(e.timestamp);
      cpu.textContent = String(e.cpu);
      task.textContent = `${e.task}/${e.pid}`;
      message.textContent = e.message;
    },
    onFollowChange(follow) {
      followButton.toggleAttribute('disabled', follow);
      persist();
    },
  },
  'Trace lines',
);
document.body.append(toolbar, status, header, list.viewport);

// ---- behaviour ----
function applyFilter(): void {
  try {
    ring.setFilter(makeFilter(filterField.value ?? '', regexBox.checked));
    filterError.textContent = '';
    filterField.removeAttribute('invalid');
  } catch (err) {
    filterError.textContent = `Bad regular expression: ${(err as Error).message}`;
    filterField.setAttribute('invalid', '');
  }
  list.invalidate();
  updateStatus();
  persist();
}

function setPaused(p: boolean): void {
  paused = p;
  pauseButton.textContent = p ? 'Resume' : 'Pause';
  pauseButton.setAttribute('aria-pressed', String(p));
  if (!p) {
    heldTotal = 0;
    scheduleApply();
  }
  list.invalidate();
  updateStatus();
}

async function save(format: 'text' | 'json'): Promise<void> {
  const content = format === 'text' ? toText(ring.shownRows()) : toJson(ring.shownRows());
  try {
    const r = await channel.request<LiveTraceReplies['save']>({ type: 'save', format, content, rows: ring.shown });
    connStat.textContent = r.saved ? `Saved ${formatCount(ring.shown)} rows to ${r.path}` : 'Save cancelled';
  } catch (err) {
    connStat.textContent = `Save failed: ${(err as Error).message}`;
  }
}

function updateStatus(): void {
  rowsStat.textContent =
    ring.shown === ring.length ? `${formatCount(ring.length)} rows` : `${formatCount(ring.shown)} of ${formatCount(ring.length)} rows`;
  rateStat.textContent = `${formatCount(rate)} lines/s`;
  droppedStat.textContent =
    `dropped ${formatCount(dropped)}` +
    (ring.evicted ? `, ${formatCount(ring.evicted)} past the ${formatCount(ring.maxRows)} row limit` : '');
  heldStat.textContent = paused ? `paused: ${formatCount(heldTotal)} new lines held` : '';
}

function onMessage(m: Exclude<LiveTraceToView, { type: 'reply' }>): void {
  switch (m.type) {
    case 'lines':
      received += m.count;
      dropped += m.dropped;
      if (paused) heldTotal += m.count;
      enqueue(m);
      break;
    case 'config':
      if (m.maxRows !== ring.maxRows) {
        ring.resize(m.maxRows);
        list.reset();
      }
      break;
    case 'status':
      connStat.textContent = describeStatus(m.state, m.host, m.message);
      break;
  }
  scheduleStatus();
}

/** Queues a batch for the ring, forgetting the oldest pending rows past maxRows (counted as evicted). */
function enqueue(c: TraceColumns): void {
  if (!c.count) return;
  pending.push({ c, from: 0 });
  pendingRows += c.count;
  while (pendingRows > ring.maxRows) {
    const first = pending[0];
    const drop = Math.min(pendingRows - ring.maxRows, first.c.count - first.from);
    first.from += drop;
    pendingRows -= drop;
    ring.evicted += drop;
    if (first.from === first.c.count) pending.shift();
  }
  scheduleApply();
}

let applyQueued = false;
function scheduleApply(): void {
  if (applyQueued || paused || !pendingRows) return;
  applyQueued = true;
  requestAnimationFrame(apply);
}

/** Appends pending rows for at most APPLY_BUDGET_MS, then paints; the rest waits for the next frame. */
function apply(): void {
  applyQueued = false;
  if (paused) return;
  const t0 = performance.now();
  while (pending.length && performance.now() - t0 < APPLY_BUDGET_MS) {
    const b = pending[0];
    const to = Math.min(b.c.count, b.from + 2000);
    ring.appendColumns(b.c, b.from, to);
    pendingRows -= to - b.from;
    b.from = to;
    if (b.from === b.c.count) pending.shift();
  }
  list.render();
  updateStatus();
  scheduleApply();
}

let statusQueued = false;
function scheduleStatus(): void {
  if (statusQueued) return;
  statusQueued = true;
  requestAnimationFrame(() => {
    statusQueued = false;
    updateStatus();
  });
}

function describeStatus(state: string, host?: string, message?: string): string {
  const where = host ? ` ${host}` : '';
  switch (state) {
    case 'connected':
      return `Tracing trace_pipe on${where}`;
    case 'connecting':
      return `Connecting to${where}…`;
    case 'waiting':
      return `Waiting on${where}: ${message ?? ''}`;
    case 'noSession':
      return 'Not connected: run "eBPF: Connect to Host..." to see trace lines';
    case 'disconnected':
      return `Disconnected from${where}${message ? `: ${message}` : ''}`;
    default:
      return `Error${where}: ${message ?? ''}`;
  }
}

function persist(): void {
  channel.saveState({ filter: filterField.value ?? '', regex: !!regexBox.checked, follow: list.following });
}

filterField.addEventListener('input', applyFilter);
regexBox.addEventListener('change', applyFilter);
pauseButton.addEventListener('click', () => setPaused(!paused));
followButton.addEventListener('click', () => list.setFollow(true));
clearButton.addEventListener('click', () => {
  ring.clear();
  pending = [];
  pendingRows = 0;
  heldTotal = 0;
  list.reset();
  updateStatus();
});
saveTextButton.addEventListener('click', () => void save('text'));
saveJsonButton.addEventListener('click', () => void save('json'));
setInterval(() => {
  rate = received - lastReceived;
  lastReceived = received;
  updateStatus();
}, 1000);

// Restore what the user had set before the view was hidden or reloaded.
if (saved.filter) filterField.value = saved.filter;
if (saved.regex) regexBox.checked = true;
if (saved.filter) applyFilter();
if (saved.follow === false) list.setFollow(false);
followButton.toggleAttribute('disabled', list.following);
updateStatus();
list.invalidate();
channel.ready();

// Exposed for the benchmark and tests that need rendering counts (read-only numbers, no control).
(window as unknown as { __liveTraceStats: () => object }).__liveTraceStats = () => ({
  received,
  /** Received rows not in the ring yet (waiting for a frame, or held while paused). */
  pending: pendingRows,
  shown: ring.shown,
  rows: ring.length,
  renderedRows: list.renderedRows,
  renders: list.renders,
  dropped,
  evicted: ring.evicted,
});

// Listings: programs, network attachments and maps as bpftool reports them (the host asks the agent; the kernel
// is the source of truth), sortable and filterable, with a dump of one map that can refresh itself while shown.
// Rows link back to the tree (reveal) and to commands (detach) through messages; the host decides what runs.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '../shared/theme.css';
import './listings.css';
import type { MapEntry, NetListResult } from '../../protocol/agent';
import type { BpfMap, BpfProgram, NetAttachment } from '../../protocol/types';
import type {
  ListingsReplies,
  ListingsSnapshot,
  ListingsState,
  ListingsTab,
  ListingsToHost,
  ListingsToView,
  MapDump,
} from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el, formatCount } from '../shared/dom';
import { SortableTable, type Column } from '../shared/sortableTable';
import { avgRunNs, bytes, entryKey, entryValue, loadedAt } from './format';

const TABS: ListingsTab[] = ['programs', 'network', 'maps'];
const LIVE_INTERVAL_MS = 1000;

const channel = new HostChannel<ListingsToHost, ListingsToView, ListingsState>(onMessage);
const saved = channel.state();
const state: ListingsState = {
  tab: saved.tab ?? 'programs',
  filter: saved.filter ?? '',
  sort: saved.sort ?? { column: 'id', descending: false },
  dumpMapId: saved.dumpMapId,
  live: saved.live ?? false,
};
let snapshot: ListingsSnapshot | undefined;
let statsShown: boolean | undefined;

type Attachment = NetAttachment & { nsInode?: number };

// ---- widgets ----
const filterField = custom('vscode-textfield', {
  id: 'filter',
  class: 'grow',
  placeholder: 'Filter rows',
  'aria-label': 'Filter rows',
}) as HTMLElement & { value: string };
const refreshButton = custom('vscode-button', { id: 'refresh', secondary: '' }, 'Refresh');
const statusText = el('span', { id: 'status', role: 'status', 'aria-live': 'polite' });
const tabs = custom('vscode-tabs', { id: 'tabs' }) as HTMLElement & { selectedIndex: number };
// vscode-tabs gives headers and panels ids of its own (for aria-controls), so ours are data attributes.
const programsPanel = custom('vscode-tab-panel', { 'data-panel': 'programs' });
const networkPanel = custom('vscode-tab-panel', { 'data-panel': 'network' });
const mapsPanel = custom('vscode-tab-panel', { 'data-panel': 'maps' });
for (const [i, label] of ['Programs', 'Network', 'Maps'].entries())
  tabs.append(custom('vscode-tab-header', { slot: 'header', 'data-tab': TABS[i] }, label));
tabs.append(programsPanel, networkPanel, mapsPanel);
document.body.append(
  el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Listing controls' }, filterField, refreshButton),
  el('div', { class: 'status' }, statusText),
  tabs,
);

const idButton = (label: string, id: number, onClick: () => void) => {
  const b = el('button', { class: 'link', 'aria-label': `${label} ${id}` }, String(id));
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
};

function programColumns(stats: boolean): Column<BpfProgram>[] {
  const cols: Column<BpfProgram>[] = [
    { key: 'id', label: 'ID', numeric: true, value: (p) => p.id },
    { key: 'type', label: 'Type', value: (p) => p.type },
    { key: 'name', label: 'Name', value: (p) => p.name },
    { key: 'tag', label: 'Tag', value: (p) => p.tag },
    { key: 'loaded', label: 'Loaded at', value: (p) => loadedAt(p.loadedAt) },
    {
      key: 'xlated',
      label: 'Xlated',
      numeric: true,
      value: (p) => p.bytesXlated,
      cell: (p) => document.createTextNode(bytes(p.bytesXlated)),
    },
    { key: 'jited', label: 'JITed', numeric: true, value: (p) => p.bytesJited, cell: (p) => document.createTextNode(bytes(p.bytesJited)) },
    {
      key: 'maps',
      label: 'Maps',
      value: (p) => p.mapIds.join(' '),
      cell: (p) => el('span', { class: 'ids' }, ...p.mapIds.map((id) => idButton('Dump map', id, () => openDump(id)))),
    },
  ];
  if (stats) {
    cols.push(
      { key: 'runCnt', label: 'Run count', numeric: true, value: (p) => p.runCnt },
      { key: 'runTime', label: 'Run time (ns)', numeric: true, value: (p) => p.runTimeNs },
      { key: 'avg', label: 'ns/run', numeric: true, value: (p) => avgRunNs(p.runTimeNs, p.runCnt) },
    );
  }
  cols.push({ key: 'pins', label: 'Pins', value: (p) => p.pinned.join(' ') });
  return cols;
}

let programs = makeProgramsTable(false);
function makeProgramsTable(stats: boolean): SortableTable<BpfProgram> {
  return new SortableTable<BpfProgram>({
    label: 'Programs',
    empty: 'No BPF programs loaded.',
    rowKey: (p) => String(p.id),
    columns: programColumns(stats),
    sort: state.tab === 'programs' ? state.sort : undefined,
    onSortChange: onSort,
    onActivate: (p) => channel.post({ type: 'reveal', kind: 'program', id: p.id }),
  });
}

const network = new SortableTable<Attachment>({
  label: 'Network attachments',
  empty: 'No XDP, tc or tcx programs attached in any namespace.',
  rowKey: (a) => `${a.netns}/${a.dev}/${a.kind}/${a.direction ?? ''}/${a.progId}`,
  sort: { column: 'netns', descending: false },
  onSortChange: onSort,
  onActivate: (a) => channel.post({ type: 'reveal', kind: 'attachment', id: a.progId, netns: a.netns, dev: a.dev }),
  columns: [
    { key: 'netns', label: 'Namespace', value: (a) => a.netns },
    { key: 'dev', label: 'Interface', value: (a) => `${a.dev} (${a.ifindex})` },
    { key: 'kind', label: 'Hook', value: (a) => a.kind },
    { key: 'how', label: 'Mode / direction', value: (a) => a.mode ?? a.direction ?? '' },
    // bpftool's net show names tc programs but not XDP ones: take the name from the program listing.
    {
      key: 'prog',
      label: 'Program',
      value: (a) => `${a.progName ?? snapshot?.programs.find((p) => p.id === a.progId)?.name ?? '?'} (${a.progId})`,
    },
    { key: 'link', label: 'Link', numeric: true, value: (a) => a.linkId },
    { key: 'detach', label: 'Action', value: () => '', cell: (a) => detachButton(a) },
  ],
});

const maps = new SortableTable<BpfMap>({
  label: 'Maps',
  empty: 'No BPF maps.',
  rowKey: (m) => String(m.id),
  sort: { column: 'id', descending: false },
  onSortChange: onSort,
  onActivate: (m) => openDump(m.id),
  columns: [
    { key: 'id', label: 'ID', numeric: true, value: (m) => m.id },
    { key: 'type', label: 'Type', value: (m) => m.type },
    { key: 'name', label: 'Name', value: (m) => m.name },
    { key: 'key', label: 'Key', numeric: true, value: (m) => m.keySize, cell: (m) => document.createTextNode(bytes(m.keySize)) },
    { key: 'value', label: 'Value', numeric: true, value: (m) => m.valueSize, cell: (m) => document.createTextNode(bytes(m.valueSize)) },
    { key: 'max', label: 'Max entries', numeric: true, value: (m) => m.maxEntries },
    { key: 'pins', label: 'Pins', value: (m) => m.pinned.join(' ') },
    {
      key: 'dump',
      label: 'Dump',
      value: () => '',
      cell: (m) => {
        const b = custom(
          'vscode-button',
          { secondary: '', 'aria-label': `Dump map ${m.name} (${m.id})`, 'data-dump': String(m.id) },
          'Dump',
        );
        b.addEventListener('click', () => openDump(m.id));
        return b;
      },
    },
  ],
});

const dumpTitle = el('h2', { id: 'dump-title' });
const liveBox = custom('vscode-checkbox', {
  id: 'live',
  label: 'Live refresh',
  'aria-label': 'Refresh the dump every second',
}) as HTMLElement & { checked: boolean };
const dumpRefresh = custom('vscode-button', { id: 'dump-refresh', secondary: '' }, 'Refresh dump');
const dumpTable = new SortableTable<MapEntry & { i: number }>({
  label: 'Map entries',
  empty: 'The map is empty.',
  rowKey: (e) => String(e.i),
  sort: { column: 'i', descending: false },
  columns: [
    { key: 'i', label: '#', numeric: true, value: (e) => e.i },
    { key: 'key', label: 'Key', value: (e) => entryKey(e), cell: (e) => el('span', { class: 'mono' }, entryKey(e)) },
    { key: 'value', label: 'Value', value: (e) => entryValue(e), cell: (e) => el('span', { class: 'mono' }, entryValue(e)) },
  ],
});
const dumpNote = el('div', { class: 'stats-note', id: 'dump-note' });
const dumpSection = el(
  'section',
  { class: 'dump', 'aria-labelledby': 'dump-title', hidden: '' },
  dumpTitle,
  el('div', { class: 'toolbar' }, liveBox, dumpRefresh),
  dumpNote,
  dumpTable.element,
);

programsPanel.append(programs.element);
networkPanel.append(network.element);
mapsPanel.append(maps.element, dumpSection);

function detachButton(a: Attachment): Node {
  // The agent gives the id with its listing; an attachment without one (flow_dissector...) has nothing to detach by.
  const id = a.id;
  if (!id) return el('span', {}, '');
  const b = custom(
    'vscode-button',
    { secondary: '', 'aria-label': `Detach ${a.progName ?? a.progId} from ${a.dev} in ${a.netns}`, 'data-detach': id },
    'Detach',
  );
  b.addEventListener('click', () => channel.post({ type: 'runCommand', command: 'ebpfNetDebug.detach', args: [id] }));
  return b;
}

// ---- behaviour ----
function onSort(sort: { column: string; descending: boolean }): void {
  state.sort = sort;
  persist();
}
function persist(): void {
  channel.saveState({ ...state });
}

function selectTab(tab: ListingsTab): void {
  state.tab = tab;
  tabs.selectedIndex = TABS.indexOf(tab);
  persist();
}

function render(s: ListingsSnapshot): void {
  snapshot = s;
  if (statsShown !== s.statsEnabled) {
    statsShown = s.statsEnabled;
    const next = makeProgramsTable(s.statsEnabled);
    programs.element.replaceWith(next.element);
    programs = next;
    programs.setFilter(state.filter);
  }
  programs.setRows(s.programs);
  network.setRows(attachments(s.namespaces));
  maps.setRows(s.maps);
  statusText.textContent =
    `${s.host}: ${formatCount(s.programs.length)} programs, ${formatCount(attachments(s.namespaces).length)} attachments in ${s.namespaces.length} namespaces, ${formatCount(s.maps.length)} maps` +
    ` (bpftool, ${new Date(s.at).toLocaleTimeString('en-GB')})${s.statsEnabled ? '' : '; run counts need kernel.bpf_stats_enabled=1'}`;
}

const attachments = (ns: NetListResult['namespaces']): Attachment[] =>
  ns.flatMap((n) => n.attachments.map((a) => ({ ...a, nsInode: n.inode })));

let liveTimer: ReturnType<typeof setInterval> | undefined;
let dumping = false;
async function openDump(mapId: number): Promise<void> {
  state.dumpMapId = mapId;
  persist();
  if (state.tab !== 'maps') selectTab('maps');
  dumpSection.hidden = false;
  const m = snapshot?.maps.find((x) => x.id === mapId);
  dumpTitle.textContent = m ? `Map ${m.name} (id ${m.id}, ${m.type})` : `Map id ${mapId}`;
  await refreshDump();
  dumpSection.scrollIntoView?.({ block: 'nearest' });
}

async function refreshDump(): Promise<void> {
  if (state.dumpMapId === undefined || dumping) return;
  dumping = true;
  try {
    const d = await channel.request<MapDump>({ type: 'dumpMap', mapId: state.dumpMapId });
    if (d.mapId !== state.dumpMapId) return;
    dumpTable.setRows(d.entries.map((e, i) => ({ ...e, i })));
    dumpNote.textContent = `${formatCount(d.entries.length)} entries${d.truncated ? ' (truncated)' : ''}, read at ${new Date(d.at).toLocaleTimeString('en-GB')}`;
  } catch (e) {
    dumpNote.textContent = `Cannot dump: ${(e as Error).message}`;
  } finally {
    dumping = false;
  }
}

function setLive(on: boolean): void {
  state.live = on;
  persist();
  if (liveTimer) clearInterval(liveTimer);
  liveTimer = undefined;
  // Only while someone can see it: a hidden view does not keep the agent busy.
  if (on && document.visibilityState === 'visible') liveTimer = setInterval(() => void refreshDump(), LIVE_INTERVAL_MS);
}

async function refresh(): Promise<void> {
  statusText.textContent = 'Asking bpftool…';
  try {
    render(await channel.request<ListingsReplies['refresh']>({ type: 'refresh' }));
  } catch (e) {
    statusText.textContent = `Cannot list: ${(e as Error).message}`;
  }
}

function onMessage(m: Exclude<ListingsToView, { type: 'reply' }>): void {
  switch (m.type) {
    case 'snapshot':
      render(m.snapshot);
      break;
    case 'show':
      selectTab(m.tab);
      if (m.mapId !== undefined) void openDump(m.mapId);
      break;
    case 'status':
      statusText.textContent =
        m.state === 'noSession' ? 'Not connected: run "eBPF: Connect to Host..."' : `${m.state}${m.message ? `: ${m.message}` : ''}`;
      break;
  }
}

filterField.addEventListener('input', () => {
  state.filter = filterField.value ?? '';
  for (const t of [programs, network, maps]) t.setFilter(state.filter);
  persist();
});
refreshButton.addEventListener('click', () => void refresh());
dumpRefresh.addEventListener('click', () => void refreshDump());
liveBox.addEventListener('change', () => setLive(!!liveBox.checked));
tabs.addEventListener('vsc-tabs-select', (e) => {
  state.tab = TABS[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex] ?? 'programs';
  persist();
});
document.addEventListener('visibilitychange', () => setLive(state.live));

// Restore the user's place, then ask the host for data.
filterField.value = state.filter;
for (const t of [programs, network, maps]) t.setFilter(state.filter);
selectTab(state.tab);
if (state.live) {
  liveBox.checked = true;
  setLive(true);
}
channel.ready();
if (state.dumpMapId !== undefined) {
  dumpSection.hidden = false;
  dumpTitle.textContent = `Map id ${state.dumpMapId}`;
  void refreshDump();
}

// ELF inspector: what `readelf -h -S` and bpftool would tell about a BPF object, read by the host with
// extension/core/elf and posted here; each program that an attach flow fits gets an Attach button.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '../shared/theme.css';
import './elfInspector.css';
import type { ElfInspectorReplies, ElfInspectorToHost, ElfInspectorToView, ElfSummary } from '../../protocol/webview';
import { HostChannel } from '../shared/hostChannel';
import { custom, el, formatCount } from '../shared/dom';
import { SortableTable } from '../shared/sortableTable';

type Program = ElfSummary['programs'][number];
type MapDef = ElfSummary['maps'][number];
type Section = ElfSummary['sections'][number];

const channel = new HostChannel<ElfInspectorToHost, ElfInspectorToView, Record<string, never>>(onMessage);
const main = el('main', { 'aria-busy': 'true' }, el('p', { class: 'empty' }, 'Reading the object…'));
const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' });
document.body.append(main, status);

const attachable = new Set(['xdp', 'tc', 'sockops', 'skmsg']);

const programs = new SortableTable<Program>({
  label: 'Programs',
  empty: 'No programs (no executable sections).',
  rowKey: (p) => p.name,
  sort: { column: 'section', descending: false },
  columns: [
    { key: 'name', label: 'Program', value: (p) => p.name },
    { key: 'section', label: 'Section', value: (p) => p.section },
    { key: 'type', label: 'Program type', value: (p) => p.programType ?? 'unknown' },
    { key: 'attachType', label: 'Attach type', value: (p) => p.attachType ?? p.target },
    { key: 'insns', label: 'Instructions', numeric: true, value: (p) => p.instructions },
    { key: 'attach', label: 'Attach', value: (p) => p.attachKind, cell: (p) => attachButton(p) },
  ],
});
const maps = new SortableTable<MapDef>({
  label: 'Maps',
  empty: 'No BTF-defined maps.',
  rowKey: (m) => m.name,
  columns: [
    { key: 'name', label: 'Map', value: (m) => m.name },
    { key: 'type', label: 'Type', value: (m) => m.type },
    { key: 'key', label: 'Key size', numeric: true, value: (m) => m.keySize },
    { key: 'value', label: 'Value size', numeric: true, value: (m) => m.valueSize },
    { key: 'max', label: 'Max entries', numeric: true, value: (m) => m.maxEntries },
    { key: 'flags', label: 'Flags', value: (m) => (m.flags ? `0x${m.flags.toString(16)}` : '') },
    { key: 'pinning', label: 'Pinning', value: (m) => (m.pinning === 1 ? 'by name' : m.pinning ? String(m.pinning) : '') },
    {
      key: 'types',
      label: 'Key / value type',
      value: (m) => (m.keyType || m.valueType ? `${m.keyType ?? '?'} / ${m.valueType ?? '?'}` : ''),
    },
  ],
});
const sections = new SortableTable<Section>({
  label: 'Sections',
  empty: 'No sections.',
  rowKey: (s) => String(s.index),
  columns: [
    { key: 'index', label: 'Nr', numeric: true, value: (s) => s.index },
    { key: 'name', label: 'Name', value: (s) => s.name },
    { key: 'type', label: 'Type', value: (s) => s.type },
    { key: 'flags', label: 'Flg', value: (s) => s.flags },
    { key: 'offset', label: 'Offset', numeric: true, value: (s) => s.offset },
    { key: 'size', label: 'Size', numeric: true, value: (s) => s.size },
  ],
});

function attachButton(p: Program): Node {
  if (!p.attachKind || !attachable.has(p.attachKind)) return document.createTextNode('');
  const b = custom('vscode-button', { secondary: '', 'aria-label': `Attach ${p.name}`, 'data-program': p.name }, 'Attach…');
  b.addEventListener('click', async () => {
    try {
      const r = await channel.request<ElfInspectorReplies['attach']>({ type: 'attach', program: p.name });
      status.textContent = `Running ${r.command} for ${p.name}`;
    } catch (e) {
      status.textContent = `Cannot attach ${p.name}: ${(e as Error).message}`;
    }
  });
  return b;
}

function show(elf: ElfSummary): void {
  const dl = el('dl', { class: 'header', 'aria-label': 'ELF header (readelf -h)' });
  for (const { label, value } of elf.header) dl.append(el('dt', {}, `${label}:`), el('dd', {}, value));
  const fact = (name: string, present: boolean, text = name) =>
    el('span', { class: present ? 'fact' : 'fact absent', 'data-fact': name }, present ? text : `no ${text}`);
  const facts = el(
    'div',
    { class: 'facts', role: 'list', 'aria-label': 'Object facts' },
    fact('license', !!elf.license, elf.license ? `License: ${elf.license}` : 'license'),
    fact('.BTF', elf.btf),
    fact('.BTF.ext', elf.btfExt),
  );
  for (const f of facts.children) f.setAttribute('role', 'listitem');
  programs.setRows(elf.programs);
  maps.setRows(elf.maps);
  sections.setRows(elf.sections);
  const parts: Node[] = [
    el('h1', {}, elf.file),
    el(
      'p',
      {},
      `${formatCount(elf.size)} bytes, ${elf.programs.length} program(s), ${elf.maps.length} map(s), ${elf.sections.length} sections`,
    ),
    facts,
  ];
  if (elf.warnings.length)
    parts.push(el('ul', { class: 'warnings', 'aria-label': 'Warnings' }, ...elf.warnings.map((w) => el('li', {}, w))));
  parts.push(
    el('h2', { id: 'h-programs' }, 'Programs'),
    programs.element,
    el('h2', { id: 'h-maps' }, 'Maps'),
    maps.element,
    el('h2', { id: 'h-header' }, 'ELF Header'),
    dl,
    el('h2', { id: 'h-sections' }, 'Sections'),
    sections.element,
  );
  main.replaceChildren(...parts);
  main.setAttribute('aria-busy', 'false');
}

function onMessage(m: Exclude<ElfInspectorToView, { type: 'reply' }>): void {
  if (m.type === 'elf') show(m.elf);
  else {
    main.replaceChildren(el('h1', {}, m.file), el('p', { class: 'error-text', role: 'alert' }, m.message));
    main.setAttribute('aria-busy', 'false');
  }
}

channel.ready();

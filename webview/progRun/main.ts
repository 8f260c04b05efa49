// "Run Program on Packet": a form for one packet (Ethernet, IPv4/IPv6, TCP/UDP/ICMP, payload) or a frame given as
// hex (a capture row), sent through the program with the kernel's test run; the result shows the verdict, the time
// per run, each distinct output's decoded differences from the input and what changed in the program's maps.
import '../shared/theme.css';
import './progRun.css';
import type { PacketSpec, ProgRunTarget, ProgRunToHost, ProgRunToView, ProgRunView } from '../../protocol/webview';
import { el } from '../shared/dom';
import { HostChannel } from '../shared/hostChannel';

type State = { form?: Record<string, string> };
const channel = new HostChannel<ProgRunToHost, ProgRunToView, State>(onMessage);
let target: ProgRunTarget | undefined;

const field = (name: string, label: string, value: string, attrs: Record<string, string> = {}) => {
  const input = el('input', { id: `f-${name}`, name, value, ...attrs });
  return el('label', { class: 'field' }, el('span', {}, label), input);
};
const select = (name: string, label: string, options: string[], value: string) => {
  const s = el(
    'select',
    { id: `f-${name}`, name },
    ...options.map((o) => el('option', o === value ? { value: o, selected: '' } : { value: o }, o)),
  );
  return el('label', { class: 'field' }, el('span', {}, label), s);
};

const title = el('h2', { id: 'title' }, 'Run Program on Packet');
const form = el(
  'form',
  { id: 'packet-form', 'aria-label': 'Packet' },
  el(
    'fieldset',
    {},
    el('legend', {}, 'Ethernet'),
    field('ethSrc', 'Source MAC', '02:00:00:00:00:01'),
    field('ethDst', 'Destination MAC', '02:00:00:00:00:02'),
  ),
  el(
    'fieldset',
    {},
    el('legend', {}, 'IP'),
    select('ipVersion', 'Version', ['4', '6'], '4'),
    field('ipSrc', 'Source', '10.0.0.1'),
    field('ipDst', 'Destination', '10.0.0.2'),
    field('ttl', 'TTL / hop limit', '64', { inputmode: 'numeric' }),
  ),
  el(
    'fieldset',
    {},
    el('legend', {}, 'Transport'),
    select('proto', 'Protocol', ['icmp', 'tcp', 'udp'], 'icmp'),
    select('icmpType', 'ICMP type', ['echo-request', 'echo-reply'], 'echo-request'),
    field('icmpId', 'ICMP id', '1'),
    field('icmpSeq', 'ICMP seq', '1'),
    field('sport', 'Source port', '40000'),
    field('dport', 'Destination port', '80'),
    field('tcpFlags', 'TCP flags', 'ACK'),
    field('seq', 'TCP seq', '1'),
    field('ack', 'TCP ack', '1'),
  ),
  el(
    'fieldset',
    {},
    el('legend', {}, 'Payload'),
    field('payload', 'Text (or hex with the box ticked)', 'hello'),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'f-payloadHex', name: 'payloadHex' }), 'hex'),
  ),
  el(
    'fieldset',
    {},
    el('legend', {}, 'Or a whole frame'),
    field('frame', 'Hex from the Ethernet header (overrides the fields above)', '', { class: 'mono wide' }),
  ),
  el('fieldset', {}, el('legend', {}, 'Runs'), field('repeat', 'Repeat (kernel, one buffer)', '1'), field('runs', 'Independent runs', '1')),
  el('button', { type: 'submit', id: 'run' }, 'Run'),
);
const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' });
const result = el('section', { id: 'result', 'aria-label': 'Result' });
document.body.append(el('div', { class: 'scroll' }, title, form, status, result));

const value = (name: string) => (document.getElementById(`f-${name}`) as HTMLInputElement | HTMLSelectElement).value.trim();
const num = (name: string) => Number(value(name));

function spec(): PacketSpec {
  const proto = value('proto');
  const l4: PacketSpec['l4'] =
    proto === 'tcp'
      ? {
          protocol: 'tcp',
          sourcePort: num('sport'),
          destinationPort: num('dport'),
          seq: num('seq'),
          ack: num('ack'),
          flags: value('tcpFlags')
            .split(/[\s,|]+/)
            .filter(Boolean),
        }
      : proto === 'udp'
        ? { protocol: 'udp', sourcePort: num('sport'), destinationPort: num('dport') }
        : { protocol: 'icmp', type: value('icmpType') as 'echo-request' | 'echo-reply', id: num('icmpId'), seq: num('icmpSeq') };
  return {
    ethernet: { source: value('ethSrc'), destination: value('ethDst') },
    ip: { version: value('ipVersion') === '6' ? 6 : 4, source: value('ipSrc'), destination: value('ipDst'), ttl: num('ttl') },
    l4,
    payload: (document.getElementById('f-payload') as HTMLInputElement).value,
    payloadHex: (document.getElementById('f-payloadHex') as HTMLInputElement).checked,
  };
}

function showProto(): void {
  const proto = value('proto');
  for (const n of ['icmpType', 'icmpId', 'icmpSeq']) document.getElementById(`f-${n}`)!.parentElement!.hidden = proto !== 'icmp';
  for (const n of ['sport', 'dport']) document.getElementById(`f-${n}`)!.parentElement!.hidden = proto === 'icmp';
  for (const n of ['tcpFlags', 'seq', 'ack']) document.getElementById(`f-${n}`)!.parentElement!.hidden = proto !== 'tcp';
}
document.getElementById('f-proto')!.addEventListener('change', showProto);
showProto();

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const frame = value('frame');
  status.textContent = 'Running...';
  status.className = 'status';
  channel
    .request<ProgRunView>({ type: 'run', ...(frame ? { packet: frame } : { spec: spec() }), repeat: num('repeat'), runs: num('runs') })
    .then(render, (e: Error) => {
      status.textContent = e.message;
      status.className = 'status error';
      result.replaceChildren();
    });
});

function hexDump(hex: string, changed: Set<number>): HTMLElement {
  const pre = el('pre', { class: 'mono hex' });
  for (let i = 0; i < hex.length / 2; i++) {
    if (i && i % 16 === 0) pre.append('\n');
    else if (i) pre.append(' ');
    const b = hex.slice(2 * i, 2 * i + 2);
    pre.append(changed.has(i) ? el('mark', {}, b) : b);
  }
  return pre;
}

function render(v: ProgRunView): void {
  const r = v.result;
  status.textContent = '';
  const head = el('div', { class: 'verdict', id: 'verdict' }, el('strong', {}, r.verdict), ` (retval ${r.retval})`);
  const rows: HTMLElement[] = [
    head,
    el('p', { id: 'input-summary' }, `Input: ${v.report.inputSummary}`),
    el(
      'p',
      { id: 'timing' },
      `${r.durationNs} ns per run (${r.runs > 1 ? `${r.runs} runs × ` : ''}repeat ${r.repeat}), program ${r.program.name} #${r.program.id} (${r.program.type})`,
    ),
  ];
  const outcomes = el('ul', { id: 'outcomes', 'aria-label': 'Outputs' });
  for (const o of v.report.outcomes) {
    const changed = new Set<number>();
    for (let i = 0; i < Math.min(o.output.length, v.packet.length) / 2; i++)
      if (o.output.slice(2 * i, 2 * i + 2) !== v.packet.slice(2 * i, 2 * i + 2)) changed.add(i);
    outcomes.append(
      el(
        'li',
        { class: 'outcome' },
        el(
          'div',
          { class: 'outcome-head' },
          `${r.runs > 1 ? `${o.count}× ` : ''}${o.verdict}: ${o.same ? 'packet unchanged' : 'packet changed'}`,
        ),
        el('ul', { class: 'changes' }, ...o.changes.map((c) => el('li', {}, c))),
        hexDump(o.output, changed),
      ),
    );
  }
  rows.push(
    el('h3', {}, 'Output'),
    outcomes,
    el('h3', {}, 'Maps'),
    v.report.maps.length
      ? el('ul', { id: 'maps' }, ...v.report.maps.map((m) => el('li', {}, m)))
      : el('p', { id: 'maps', class: 'empty' }, 'No map changed.'),
  );
  result.replaceChildren(...rows);
}

function onMessage(m: Exclude<ProgRunToView, { type: 'reply' }>): void {
  if (m.type === 'target') {
    target = m.target;
    title.textContent = `Run ${target.name} #${target.id} (${target.type}) on a packet`;
    if (m.packet) (document.getElementById('f-frame') as HTMLInputElement).value = m.packet;
  } else if (m.type === 'status') {
    status.textContent = m.state === 'connected' ? '' : (m.message ?? m.state);
    status.className = m.state === 'error' ? 'status error' : 'status';
  }
}

channel.ready();

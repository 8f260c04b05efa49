// The picture of one exchange: each network namespace a box (in the order the packet first reaches it), each
// interface a port on the box's edge facing the namespace it talks to, and numbered arrows between ports,
// request legs above the middle and reply legs below, so the two directions never hide each other. A packet the
// kernel dropped ends in a red mark on the port of the hop where it died, labelled with the reason.
import { svg } from '../shared/dom';
import { dropLabel, type Step } from './exchanges';

const BOX_W = 190,
  GAP = 180,
  PORT_W = 74,
  PORT_H = 22,
  TOP = 34,
  PAD = 16;

export function drawPath(steps: Step[], title: string): SVGSVGElement {
  const namespaces: string[] = [];
  const ports = new Map<string, { netns: string; ifname: string; partners: number[] }>();
  const portKey = (netns: string, ifname: string) => `${netns}\u0000${ifname}`;
  for (const s of steps) {
    if (!namespaces.includes(s.netns)) namespaces.push(s.netns);
    const k = portKey(s.netns, s.hop.ifname);
    if (!ports.has(k)) ports.set(k, { netns: s.netns, ifname: s.hop.ifname, partners: [] });
  }
  for (const s of steps) {
    if (!s.from) continue;
    ports.get(portKey(s.netns, s.hop.ifname))!.partners.push(namespaces.indexOf(s.from.netns));
    ports.get(portKey(s.from.netns, s.from.ifname))!.partners.push(namespaces.indexOf(s.netns));
  }
  // Ports on each edge of each box, stacked.
  const place = new Map<string, { x: number; y: number; side: 'left' | 'right' | 'bottom' }>();
  const perEdge = new Map<string, number>();
  let maxStack = 1;
  for (const [k, p] of ports) {
    const i = namespaces.indexOf(p.netns);
    const avg = p.partners.length ? p.partners.reduce((a, b) => a + b, 0) / p.partners.length : i;
    const side = avg > i ? 'right' : avg < i ? 'left' : 'bottom';
    const edge = `${i}:${side}`;
    const n = perEdge.get(edge) ?? 0;
    perEdge.set(edge, n + 1);
    maxStack = Math.max(maxStack, n + 1);
    const bx = PAD + i * (BOX_W + GAP);
    place.set(
      k,
      side === 'bottom'
        ? { x: bx + 12 + n * (PORT_W + 8) + PORT_W / 2, y: 0, side }
        : { x: side === 'right' ? bx + BOX_W : bx, y: n, side },
    );
  }
  const boxH = 70 + maxStack * (PORT_H + 30);
  const width = PAD * 2 + namespaces.length * BOX_W + (namespaces.length - 1) * GAP;
  const height = TOP + boxH + 40;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title, class: 'path-picture' });
  const defs = svg('defs');
  for (const leg of ['request', 'reply', 'other']) {
    const m = svg('marker', {
      id: `head-${leg}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    const path = svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `head ${leg}` });
    m.append(path);
    defs.append(m);
  }
  root.append(defs);
  namespaces.forEach((ns, i) => {
    const g = svg('g', { class: 'netns', 'data-netns': ns });
    const x = PAD + i * (BOX_W + GAP);
    g.append(svg('rect', { x, y: TOP, width: BOX_W, height: boxH, rx: 6, class: 'netns-box' }));
    const t = svg('text', { x: x + BOX_W / 2, y: TOP + 20, class: 'netns-label', 'text-anchor': 'middle' });
    t.textContent = ns;
    g.append(t);
    root.append(g);
  });
  // Vertical position of a port: stacked from the middle of the box.
  const centre = (k: string) => {
    const p = place.get(k)!;
    if (p.side === 'bottom') return { x: p.x, y: TOP + boxH };
    return { x: p.x, y: TOP + 50 + p.y * (PORT_H + 30) + PORT_H / 2 };
  };
  for (const [k, p] of ports) {
    const c = centre(k);
    const g = svg('g', { class: 'port', 'data-port': `${p.netns}/${p.ifname}` });
    g.append(svg('rect', { x: c.x - PORT_W / 2, y: c.y - PORT_H / 2, width: PORT_W, height: PORT_H, rx: 3, class: 'port-box' }));
    const t = svg('text', { x: c.x, y: c.y + 4, 'text-anchor': 'middle', class: 'port-label' });
    t.textContent = p.ifname;
    g.append(t);
    root.append(g);
  }
  // Drop marks: on the port's outer corner, request drops above it and reply drops below, reason beside.
  for (const s of steps) {
    if (!s.hop.drop) continue;
    const c = centre(portKey(s.netns, s.hop.ifname));
    const below = s.leg === 'reply';
    const cx = c.x + PORT_W / 2,
      cy = c.y + (below ? PORT_H / 2 + 4 : -PORT_H / 2 - 4);
    const label = dropLabel(s.hop);
    const g = svg('g', {
      class: `drop-mark ${s.leg === 'request' || s.leg === 'reply' ? s.leg : 'other'}`,
      'data-drop': label,
      'data-step': s.step,
    });
    const title = svg('title');
    title.textContent = `${s.step}: ${s.leg} ${label} (${s.netns}/${s.hop.ifname || 'no device'})`;
    g.append(title, svg('circle', { cx, cy, r: 9, class: 'drop-dot' }));
    const x = svg('text', { x: cx, y: cy + 4, 'text-anchor': 'middle', class: 'drop-x' });
    x.textContent = '✕';
    const reason = svg('text', { x: cx + 13, y: cy + 4, class: 'drop-reason' });
    reason.textContent = s.hop.drop.reason ?? `at ${s.hop.drop.location}`;
    g.append(x, reason);
    root.append(g);
  }
  for (const s of steps) {
    if (!s.from || s.arrow === undefined) continue;
    const a = centre(portKey(s.from.netns, s.from.ifname));
    const b = centre(portKey(s.netns, s.hop.ifname));
    const leg = s.leg === 'request' || s.leg === 'reply' ? s.leg : 'other';
    const bend = leg === 'reply' ? 34 : -34;
    const dir = Math.sign(b.x - a.x) || 1;
    const x1 = a.x + dir * (PORT_W / 2),
      x2 = b.x - dir * (PORT_W / 2);
    const mx = (x1 + x2) / 2,
      my = (a.y + b.y) / 2 + bend;
    const g = svg('g', { class: `arrow ${leg}`, 'data-arrow': s.arrow, 'data-step': s.step });
    const title = svg('title');
    title.textContent = `${s.arrow}: ${s.leg} ${s.from.netns}/${s.from.ifname} → ${s.netns}/${s.hop.ifname} (${s.hop.tracepoint})`;
    g.append(title, svg('path', { d: `M${x1},${a.y} Q${mx},${my} ${x2},${b.y}`, class: 'arrow-line', 'marker-end': `url(#head-${leg})` }));
    const lx = (x1 + 2 * mx + x2) / 4,
      ly = (a.y + 2 * my + b.y) / 4;
    g.append(svg('circle', { cx: lx, cy: ly, r: 10, class: 'arrow-badge' }));
    const num = svg('text', { x: lx, y: ly + 4, 'text-anchor': 'middle', class: 'arrow-number' });
    num.textContent = String(s.arrow);
    g.append(num);
    root.append(g);
  }
  return root;
}

// Real captures (test/fixtures/packetPath/): a ping across the bridge lab read by `bpftool map event_pipe`, and an
// IPv6 ping read by the bpftrace fallback, decoded the way the agent decodes them. Those two were taken before the
// event grew its drop fields and packet bytes (96 -> 120 bytes + data; three more bpftrace fields): upgrade() gives
// them the new layout with those fields zero, exactly what the tracer sends for a hop without drop or bytes.
// event-pipe-drop.txt is a capture of the new layout (a ping dropped by nftables, with its bytes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketPathEvent } from '../../../protocol/types';
import { decodeEvent, recordSize, type DecodeContext } from '../../../remote-agent/packetPath/eventLayout';
import { LINE_FIELDS } from '../../../remote-agent/packetPath/bpftraceScript';
import { EventPipeParser } from '../../../remote-agent/packetPath/eventPipeParser';
import { bpftraceLineToRecord } from '../../../remote-agent/packetPath/bpftraceEvents';

export const FIXTURES = join(__dirname, '../../fixtures/packetPath');
export const lab = JSON.parse(readFileSync(join(FIXTURES, 'capture-lab.json'), 'utf8')) as {
  ns: { a: string; br: string; b: string };
  ifs: { a: string; pa: string; pb: string; b: string };
  v4: { a: string; b: string; other: string };
  v6: { a: string; b: string };
  ino: { a: number; br: number; b: number };
  tcpCapture?: { ino: { a: number; br: number; b: number }; v4: { a: string; b: string }; port: number };
};

/** Names as the agent's NetnsNamer gives them for the lab's namespaces. */
export function named(events: PacketPathEvent[]): PacketPathEvent[] {
  const names = new Map(Object.entries(lab.ino).map(([role, ino]) => [ino, lab.ns[role as keyof typeof lab.ns]]));
  return events.map((e) => ({ ...e, netnsName: names.get(e.netnsInode) }));
}

/** A pre-drop-fields event_pipe capture in today's layout: 24 zero bytes after each 96-byte record (records of
 * today's layout, 120 bytes and more, are left as they are). */
export function upgradeEventPipe(text: string): string {
  return text
    .split(/(?=== @)/)
    .map((rec) => {
      if (!rec.startsWith('== @')) return rec;
      const [head, ...rows] = rec.trimEnd().split('\n');
      const words = rows
        .join(' ')
        .trim()
        .split(/\s+/)
        .filter((w) => /^[0-9a-f]{2}$/i.test(w));
      if (words.length >= 120) return rec;
      const bytes = words.slice(0, 96);
      const all = [...bytes, ...Array(24).fill('00')];
      const out = [];
      for (let i = 0; i < all.length; i += 16) out.push(all.slice(i, i + 16).join(' '));
      return `${head}\n${out.join('\n')}\n`;
    })
    .join('');
}

export function eventPipeText(name = 'event-pipe-ping4.txt'): string {
  return upgradeEventPipe(readFileSync(join(FIXTURES, name), 'utf8'));
}

/** Feeds the event_pipe capture in chunks of `chunk` characters (as a pipe may cut it). */
export function decodeEventPipe(text = eventPipeText(), chunk = 4096, ctx?: DecodeContext): { events: PacketPathEvent[]; lost: number } {
  const events: PacketPathEvent[] = [];
  let lost = 0;
  const p = new EventPipeParser((head) => recordSize(head), {
    record: (b) => {
      const e = decodeEvent(b, undefined, ctx);
      if (e) events.push(e);
    },
    lost: (n) => {
      lost += n;
    },
  });
  const today = upgradeEventPipe(text);
  for (let i = 0; i < today.length; i += chunk) p.push(today.slice(i, i + chunk));
  return { events, lost };
}

export function decodeBpftraceCapture(): PacketPathEvent[] {
  const events: PacketPathEvent[] = [];
  for (const jsonLine of readFileSync(join(FIXTURES, 'bpftrace-ping6.jsonl'), 'utf8').split('\n')) {
    if (!jsonLine) continue;
    const msg = JSON.parse(jsonLine) as { type: string; data: unknown };
    if (msg.type !== 'printf') continue;
    // the capture predates the three drop fields (reason, location, flags), which come before the interface name
    const old = String(msg.data).trim().split(' ');
    const line =
      old.length === LINE_FIELDS.length - 2 ? [...old.slice(0, -1), '0', '0', '0', old[old.length - 1]].join(' ') : old.join(' ');
    const rec = bpftraceLineToRecord(line);
    const e = rec && decodeEvent(rec);
    if (e) events.push(e);
  }
  return events;
}

// Real captures (test/fixtures/packetPath/): a ping across the bridge lab read by `bpftool map event_pipe`, and an
// IPv6 ping read by the bpftrace fallback, decoded the way the agent decodes them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketPathEvent } from '../../../protocol/types';
import { decodeEvent, EVENT_SIZE } from '../../../remote-agent/packetPath/eventLayout';
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

export function eventPipeText(): string {
  return readFileSync(join(FIXTURES, 'event-pipe-ping4.txt'), 'utf8');
}

/** Feeds the event_pipe capture in chunks of `chunk` characters (as a pipe may cut it). */
export function decodeEventPipe(text = eventPipeText(), chunk = 4096): { events: PacketPathEvent[]; lost: number } {
  const events: PacketPathEvent[] = [];
  let lost = 0;
  const p = new EventPipeParser(EVENT_SIZE, {
    record: (b) => { const e = decodeEvent(b); if (e) events.push(e); },
    lost: (n) => { lost += n; },
  });
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  return { events, lost };
}

export function decodeBpftraceCapture(): PacketPathEvent[] {
  const events: PacketPathEvent[] = [];
  for (const line of readFileSync(join(FIXTURES, 'bpftrace-ping6.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const msg = JSON.parse(line) as { type: string; data: unknown };
    if (msg.type !== 'printf') continue;
    const rec = bpftraceLineToRecord(String(msg.data).trim());
    const e = rec && decodeEvent(rec);
    if (e) events.push(e);
  }
  return events;
}

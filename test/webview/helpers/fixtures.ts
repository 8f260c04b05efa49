// The real kernel data captured on this machine by test/fixtures/webview/capture.sh, turned into the protocol
// shapes the views receive, with the agent's own bpftool parsers (remote-agent/parsers) where they exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketPathEvent, TraceEvent } from '../../../protocol/types';
import type { ListingsSnapshot } from '../../../protocol/webview';
import { parseProgShow } from '../../../remote-agent/parsers/progShow';
import { parseMapShow } from '../../../remote-agent/parsers/mapShow';
import { parseNetShow } from '../../../remote-agent/parsers/netShow';
import { parseMapDump } from '../../../remote-agent/parsers/mapDump';
import { repoRoot } from './viewPage';

export const fixtureDir = join(repoRoot, 'test/fixtures/webview');
export const readFixture = (name: string) => readFileSync(join(fixtureDir, name), 'utf8');

/** trace_pipe's line layout: `task-pid [cpu] flags timestamp: function: message`. */
const traceLine = /^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+(\d+\.\d+):\s+([\w.]+):\s?(.*)$/;

export function parseTraceLine(line: string): TraceEvent | undefined {
  const m = traceLine.exec(line);
  if (!m) return undefined;
  return { task: m[1], pid: Number(m[2]), cpu: Number(m[3]), flags: m[4], timestamp: Number(m[5]), function: m[6], message: m[7] };
}

export function capturedTrace(): TraceEvent[] {
  return readFixture('trace_pipe.txt')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const e = parseTraceLine(l);
      if (!e) throw new Error(`unparsable fixture line: ${l}`);
      return e;
    });
}

const swap16 = (n: number) => ((n & 0xff) << 8) | (n >> 8);

/** The captured hops (bpftrace on the net tracepoints; id/seq in network byte order) as PacketPathEvents. */
export function capturedPathEvents(): PacketPathEvent[] {
  const names = JSON.parse(readFixture('netns_names.json')) as Record<string, string>;
  return readFixture('packet_path.jsonl')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const r = JSON.parse(l) as {
        ts: number;
        tp: string;
        ns: number;
        ifindex: number;
        ifname: string;
        src: string;
        dst: string;
        type: number;
        id: number;
        seq: number;
        skb: string;
      };
      return {
        timestampNs: r.ts,
        tracepoint: r.tp.replace('tracepoint:net:', ''),
        netnsInode: r.ns,
        netnsName: names[String(r.ns)],
        ifindex: r.ifindex,
        ifname: r.ifname,
        family: 4,
        src: r.src,
        dst: r.dst,
        protocol: 'icmp',
        icmp: { type: r.type, code: 0, id: swap16(r.id), seq: swap16(r.seq) },
        skb: r.skb,
      };
    });
}

/** A listings snapshot from one bpftool version's captured JSON, parsed by the agent's own parsers. */
export function capturedSnapshot(version: '7.1' | '7.5'): ListingsSnapshot {
  const dir = `bpftool-${version}`;
  const names = JSON.parse(readFixture('netns_names.json')) as Record<string, string>;
  return {
    host: 'local',
    at: Date.parse('2026-11-25T13:00:00Z'),
    programs: parseProgShow(readFixture(`${dir}/prog_show.json`)),
    maps: parseMapShow(readFixture(`${dir}/map_show.json`)),
    namespaces: Object.entries(names).map(([inode, name]) => ({
      name,
      inode: Number(inode),
      interfaces: [],
      attachments: parseNetShow(readFixture(`${dir}/net_show_${name}.json`), name),
    })),
    statsEnabled: true,
  };
}

export const capturedDump = (version: '7.1' | '7.5') => parseMapDump(readFixture(`bpftool-${version}/map_dump_proto_count.json`));

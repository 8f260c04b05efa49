// The bpftrace fallback of tracepkt.bpf.c, for hosts whose bpftool cannot autoattach tracepoints (bpftool < 7.2).
// Same tracepoints, same header walk, same filter; each match prints one line of the raw fields of
// `struct tracepkt_event` so that bpftraceEvents.ts rebuilds the very bytes the BPF object would have sent and
// one decoder serves both. Packet fields are read as host-order integers of network-order bytes ("raw") and
// written back the same way, which restores the packet's bytes on any host.
// The script is built only from the validated filter's numbers: nothing a user typed reaches it as text.
import { endianness } from 'node:os';
import type { PacketFilter } from '../../protocol/types';
import { addressBytes } from './addresses';
import { FILTER_PROTOCOL } from './filterEncoding';
import { hostOrder } from './eventLayout';

/** Tracepoints (category:name) in enum tracepkt_point order (value = index + 1). */
export const BPFTRACE_TRACEPOINTS = [
  'net:net_dev_queue',
  'net:netif_receive_skb_entry',
  'net:netif_rx',
  'net:napi_gro_receive_entry',
  'skb:kfree_skb',
];

/**
 * What skb:kfree_skb offers on this host: `hasReason` when its format has the `reason` field (kernels >= 5.17;
 * bpftrace refuses a script naming a field the tracepoint lacks), `consumed` the value of SKB_CONSUMED when the
 * kernel has it (a free that is no drop). No packet bytes: bpftrace prints no byte arrays we could read back.
 */
export interface KfreeSkbFacts {
  hasReason: boolean;
  consumed?: number;
}

/** The printf line's fields, in order; bpftraceEvents.ts reads them by these names. */
export const LINE_FIELDS = [
  'tracepoint',
  'timestampNs',
  'skb',
  'netnsInode',
  'ifindex',
  'family',
  'protocol',
  'icmpType',
  'icmpCode',
  'tcpFlags',
  'ipIdRaw',
  'aRaw',
  'bRaw',
  'seqRaw',
  'ackRaw',
  'ttl',
  's0',
  's1',
  's2',
  's3',
  'd0',
  'd1',
  'd2',
  'd3',
  'dropReason',
  'dropLocation',
  'dropFlags',
  'ifname',
] as const;
export const LINE_MARK = 'TPKT';
/** Printed by BEGIN, which bpftrace runs once every probe is attached ("Attaching N probes" comes before that). */
export const READY_MARK = 'TPKT_READY';

/**
 * The test that the packet's source (`s`) or destination (`d`) is `addr`: an IPv4 address is the one word $s3 of an
 * IPv4 packet, an IPv6 address the four words of an IPv6 packet, each as bpftrace reads it from memory (host order).
 */
function addressTest(prefix: 's' | 'd', addr: string): string {
  const a = addressBytes(addr)!;
  if (a.family === 4) return `$fam == 4 && $${prefix}3 == ${hostOrder.u32(a.bytes, 0)}`;
  return `$fam == 6 && ${[0, 4, 8, 12].map((o, i) => `$${prefix}${i} == ${hostOrder.u32(a.bytes, o)}`).join(' && ')}`;
}

/** A network-order u16 (a port, an ethertype) as bpftrace reads it with *(uint16 *): host order of those bytes. */
function rawU16(value: number): number {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return endianness() === 'LE' ? b.readUInt16LE(0) : b.readUInt16BE(0);
}

/** The protocol test, in bpftrace syntax: made first, so that a packet the filter leaves out costs few reads. */
export function protocolCondition(f: PacketFilter): string {
  return f.protocol ? `$proto == ${FILTER_PROTOCOL[f.protocol]}` : '($proto == 1 || $proto == 58 || $proto == 6 || $proto == 17)';
}

/** The address tests, in bpftrace syntax ("1" when the filter names no address). */
export function addressCondition(f: PacketFilter): string {
  const parts: string[] = [];
  if (f.host) parts.push(`((${addressTest('s', f.host)}) || (${addressTest('d', f.host)}))`);
  if (f.src) parts.push(`(${addressTest('s', f.src)})`);
  if (f.dst) parts.push(`(${addressTest('d', f.dst)})`);
  return parts.length ? parts.join(' && ') : '1';
}

function probe(tracepoint: string, index: number, f: PacketFilter, kfree: KfreeSkbFacts): string {
  const isDrop = tracepoint === 'skb:kfree_skb';
  // kfree_skb: the reason (where the kernel has it) and the caller's address; a consumed packet is no drop
  const dropFields = !isDrop
    ? '0, 0, 0'
    : kfree.hasReason
      ? '(uint32)args->reason, (uint64)args->location, ($skb->cloned ? 3 : 1)'
      : '0, (uint64)args->location, ($skb->cloned ? 2 : 0)';
  const notConsumed = isDrop && kfree.hasReason && kfree.consumed !== undefined ? ` && (uint32)args->reason != ${kfree.consumed}` : '';
  const port = f.port !== undefined ? rawU16(f.port) : undefined;
  const portTest = port !== undefined ? `($proto == 6 || $proto == 17) && ($a == ${port} || $b == ${port})` : '1';
  const fmt = `${LINE_MARK} ${LINE_FIELDS.map((n) => (n === 'ifname' ? '%s' : n === 'timestampNs' || n === 'skb' || n === 'dropLocation' ? '%llu' : '%u')).join(' ')}\\n`;
  const ip4 = rawU16(0x0800);
  const ip6 = rawU16(0x86dd);
  // Every field is a separate probe read in bpftrace: read in the order that rejects soonest (ethertype,
  // version, protocol, addresses, ports) and no more than the filter needs before it can say no.
  return `tracepoint:${tracepoint} {
  $skb = (struct sk_buff *)args->skbaddr;
  $eth = $skb->protocol;
  if (($eth == ${ip4} || $eth == ${ip6})${notConsumed}) {
    $dev = $skb->dev;
    $mac = $skb->mac_header;
    $hh = $dev->hard_header_len;
    $l3 = (uint64)$skb->head + $skb->network_header;
    if ($mac != 0xffff && $hh > 0 && $hh <= 64) { $l3 = (uint64)$skb->head + $mac + $hh; }
    $vb = *(uint8 *)$l3;
    $fam = 0; $proto = (uint8)0; $ttl = (uint8)0; $ipid = (uint16)0; $l4 = (uint64)0;
    $s0 = (uint32)0; $s1 = (uint32)0; $s2 = (uint32)0; $s3 = (uint32)0;
    $d0 = (uint32)0; $d1 = (uint32)0; $d2 = (uint32)0; $d3 = (uint32)0;
    if ($eth == ${ip4} && ($vb >> 4) == 4) {
      $proto = *(uint8 *)($l3 + 9);
      if (${protocolCondition(f)}) {
        $fam = 4; $ttl = *(uint8 *)($l3 + 8); $ipid = *(uint16 *)($l3 + 4);
        $s3 = *(uint32 *)($l3 + 12); $d3 = *(uint32 *)($l3 + 16);
        $l4 = $l3 + ($vb & 0xf) * 4;
      }
    }
    if ($eth == ${ip6} && ($vb >> 4) == 6) {
      $proto = *(uint8 *)($l3 + 6);
      if (${protocolCondition(f)}) {
        $fam = 6; $ttl = *(uint8 *)($l3 + 7);
        $s0 = *(uint32 *)($l3 + 8); $s1 = *(uint32 *)($l3 + 12); $s2 = *(uint32 *)($l3 + 16); $s3 = *(uint32 *)($l3 + 20);
        $d0 = *(uint32 *)($l3 + 24); $d1 = *(uint32 *)($l3 + 28); $d2 = *(uint32 *)($l3 + 32); $d3 = *(uint32 *)($l3 + 36);
        $l4 = $l3 + 40;
      }
    }
    if ($fam != 0 && ${addressCondition(f)}) {
      $t = (uint8)0; $c = (uint8)0; $fl = (uint8)0; $a = (uint16)0; $b = (uint16)0; $sq = (uint32)0; $ak = (uint32)0;
      if ($proto == 1 || $proto == 58) {
        $t = *(uint8 *)$l4; $c = *(uint8 *)($l4 + 1); $a = *(uint16 *)($l4 + 4); $b = *(uint16 *)($l4 + 6);
      } else {
        $a = *(uint16 *)$l4; $b = *(uint16 *)($l4 + 2);
      }
      if (${portTest}) {
        if ($proto == 6) { $sq = *(uint32 *)($l4 + 4); $ak = *(uint32 *)($l4 + 8); $fl = *(uint8 *)($l4 + 13); }
        printf("${fmt}", ${index}, nsecs, (uint64)$skb, $dev->nd_net.net->ns.inum, $dev->ifindex, $fam, $proto, $t, $c,
          $fl, $ipid, $a, $b, $sq, $ak, $ttl, $s0, $s1, $s2, $s3, $d0, $d1, $d2, $d3, ${dropFields}, $dev->name);
      }
    }
  }
}
`;
}

export function bpftraceScript(f: PacketFilter, kfree: KfreeSkbFacts = { hasReason: true }): string {
  const begin = `BEGIN {\n  printf("${READY_MARK}\\n");\n}\n`;
  return [begin, ...BPFTRACE_TRACEPOINTS.map((tp, i) => probe(tp, i + 1, f, kfree))].join('\n');
}

// The packet path tracer's filter as a user types it: a pcap-like subset, terms joined by `and`:
//   icmp | icmp6 | tcp | udp        the protocol
//   host A                          either end is A (IPv4 or IPv6)
//   src A | src host A              the source is A
//   dst A | dst host A              the destination is A
//   port N                          either TCP/UDP port is N
// e.g. `icmp and host 10.1.0.2`, `tcp and dst 10.0.0.2 and port 80`. Anything else (or, not, parentheses, net,
// portrange...) is refused with an error that names the word, rather than silently widened.
import { isIP } from 'node:net';
import type { PacketFilter } from '../../../protocol/types';

export class PacketFilterError extends Error {
  constructor(
    message: string,
    readonly word?: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'PacketFilterError';
  }
}

const PROTOCOLS = new Set(['icmp', 'icmp6', 'tcp', 'udp']);
const UNSUPPORTED: Record<string, string> = {
  or: '"or" is not supported: run one trace per alternative, or widen the filter',
  not: '"not" is not supported: the tracer only selects packets',
  '!': '"!" is not supported: the tracer only selects packets',
  '||': '"||" is not supported: run one trace per alternative',
  net: '"net" (address ranges) is not supported: use host A',
  portrange: '"portrange" is not supported: use port N',
  ip: '"ip" alone is not a filter here: name the protocol (icmp, tcp, udp)',
  ip6: '"ip6" alone is not a filter here: name the protocol (icmp6, tcp, udp)',
  ether: 'link-layer filters (ether ...) are not supported',
  arp: 'ARP is not traced (the tracer follows IPv4/IPv6 ICMP, TCP and UDP)',
};

interface Token {
  text: string;
  pos: number;
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    // parentheses glued to words are their own tokens, so the error can name them
    const parts = m[0].split(/([()])/).filter(Boolean);
    let pos = m.index;
    for (const p of parts) {
      tokens.push({ text: p, pos });
      pos += p.length;
    }
  }
  return tokens;
}

/** Parses a filter string; an empty string matches every ICMP/TCP/UDP packet. */
export function parsePacketFilter(input: string): PacketFilter {
  const tokens = tokenize(input);
  const out: PacketFilter = {};
  let i = 0;
  const fail = (msg: string, t?: Token): never => {
    throw new PacketFilterError(t ? `${msg} (at "${t.text}", column ${t.pos + 1})` : msg, t?.text, t?.pos);
  };
  const address = (keyword: Token): string => {
    const t = tokens[i++];
    if (!t) fail(`"${keyword.text}" needs an address after it`, keyword);
    if (isIP(t.text) === 0) fail(`"${t.text}" is not an IPv4 or IPv6 address`, t);
    return t.text;
  };
  const setOnce = <K extends keyof PacketFilter>(key: K, value: PacketFilter[K], t: Token) => {
    if (out[key] !== undefined && out[key] !== value) {
      fail(`${key} is given twice (${String(out[key])} and ${String(value)}): a packet cannot match both`, t);
    }
    out[key] = value;
  };

  while (i < tokens.length) {
    const t = tokens[i++];
    const word = t.text.toLowerCase();
    if (PROTOCOLS.has(word)) {
      setOnce('protocol', word as PacketFilter['protocol'], t);
    } else if (word === 'host') {
      setOnce('host', address(t), t);
    } else if (word === 'src' || word === 'dst') {
      if (tokens[i]?.text.toLowerCase() === 'host') i++;
      else if (tokens[i]?.text.toLowerCase() === 'port') fail(`"${word} port" is not supported: use port N (either end)`, tokens[i]);
      setOnce(word, address(t), t);
    } else if (word === 'port') {
      const n = tokens[i++];
      if (!n) fail('"port" needs a number after it', t);
      if (!/^\d+$/.test(n.text) || Number(n.text) < 1 || Number(n.text) > 65535) fail(`"${n.text}" is not a port number (1-65535)`, n);
      setOnce('port', Number(n.text), t);
    } else if (word in UNSUPPORTED) {
      fail(UNSUPPORTED[word], t);
    } else if (word === '(' || word === ')') {
      fail('parentheses are not supported: join terms with "and"', t);
    } else if (word === 'and' || word === '&&') {
      fail(`"${t.text}" must stand between two terms`, t);
    } else {
      fail(`unknown word "${t.text}": expected icmp, icmp6, tcp, udp, host A, src A, dst A or port N`, t);
    }
    if (i < tokens.length) {
      const j = tokens[i];
      if (j.text.toLowerCase() in UNSUPPORTED) fail(UNSUPPORTED[j.text.toLowerCase()], j);
      if (j.text.toLowerCase() !== 'and' && j.text !== '&&') fail(`expected "and" between terms, found "${j.text}"`, j);
      i++;
      if (i >= tokens.length) fail(`"${j.text}" at the end needs a term after it`, j);
    }
  }

  if (out.port !== undefined && (out.protocol === 'icmp' || out.protocol === 'icmp6')) {
    throw new PacketFilterError(`port ${out.port} cannot match ${out.protocol} packets (ports are TCP/UDP)`, 'port');
  }
  const wrongFamily = out.protocol === 'icmp' ? 6 : out.protocol === 'icmp6' ? 4 : 0;
  for (const key of ['host', 'src', 'dst'] as const) {
    if (out[key] && isIP(out[key]!) === wrongFamily) {
      throw new PacketFilterError(`${key} ${out[key]} is an IPv${wrongFamily} address, which ${out.protocol} packets never carry`, key);
    }
  }
  return out;
}

/** The filter back as text, in the order parsePacketFilter reads it (for titles and logs). */
export function formatPacketFilter(f: PacketFilter): string {
  const terms: string[] = [];
  if (f.protocol) terms.push(f.protocol);
  if (f.host) terms.push(`host ${f.host}`);
  if (f.src) terms.push(`src ${f.src}`);
  if (f.dst) terms.push(`dst ${f.dst}`);
  if (f.port !== undefined) terms.push(`port ${f.port}`);
  return terms.join(' and ');
}

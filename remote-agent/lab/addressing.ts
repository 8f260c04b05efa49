// Lab addresses, derived from the lab's name so two labs rarely share a subnet and a lab keeps its addresses
// across create/destroy: IPv4 10.S.T.0/24 with S in 100..199 (hosts .1 = a, .2 = b), IPv6 fd00:e0d:HHHH::/64, and
// for the root link 172.(16..31).U.V/30 (.1 root end, .2 in host a) and fd00:e0e:HHHH::/64.
export interface LabAddressing {
  a4: string;
  b4: string;
  a6: string;
  b6: string;
  root4: string;
  rootPeer4: string;
  root6: string;
  rootPeer6: string;
}

/** FNV-1a 32-bit: small, stable, good enough to spread names over subnets. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function labAddressing(name: string): LabAddressing {
  const h = nameHash(name);
  const s = 100 + (h % 100);
  const t = (h >>> 8) & 0xff;
  const hex = ((h >>> 16) & 0xffff).toString(16);
  const r2 = 16 + ((h >>> 4) & 0xf);
  const r3 = (h >>> 12) & 0xff;
  const r4 = ((h >>> 20) & 0x3f) * 4;
  return {
    a4: `10.${s}.${t}.1/24`,
    b4: `10.${s}.${t}.2/24`,
    a6: `fd00:e0d:${hex}::1/64`,
    b6: `fd00:e0d:${hex}::2/64`,
    root4: `172.${r2}.${r3}.${r4 + 1}/30`,
    rootPeer4: `172.${r2}.${r3}.${r4 + 2}/30`,
    root6: `fd00:e0e:${hex}::1/64`,
    rootPeer6: `fd00:e0e:${hex}::2/64`,
  };
}

// What a program did to a packet: the decoded input and output side by side, reduced to the fields whose value
// changed ("IPv4 ttl 64 -> 17") and the checksums whose validity or value changed ("IPv4 header checksum fixed"),
// plus the length when the program grew or shrank the packet.
import { decodePacket, type ChecksumCheck, type DecodedPacket, type Layer } from './decode';

export interface FieldChange {
  layer: Layer;
  name: string;
  before: string;
  after: string;
}
export interface ChecksumChange {
  name: string;
  before?: ChecksumCheck;
  after?: ChecksumCheck;
  note: string;
}

export interface PacketDiff {
  input: DecodedPacket;
  output: DecodedPacket;
  same: boolean;
  changes: FieldChange[];
  checksums: ChecksumChange[];
  /** Offsets of bytes that differ (within the shorter of the two). */
  changedBytes: number[];
  /** One line per change, as shown in the CLI and the result view. */
  lines: string[];
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error('not hex: expected two hex digits per byte');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function diffPackets(input: Uint8Array, output: Uint8Array): PacketDiff {
  const a = decodePacket(input);
  const b = decodePacket(output);
  const changes: FieldChange[] = [];
  for (const f of b.fields) {
    const old = a.fields.find((x) => x.layer === f.layer && x.name === f.name);
    if (old && old.value !== f.value) changes.push({ layer: f.layer, name: f.name, before: old.value, after: f.value });
  }
  const checksums: ChecksumChange[] = [];
  for (const name of new Set([...a.checksums, ...b.checksums].map((c) => c.name))) {
    const before = a.checksums.find((c) => c.name === name);
    const after = b.checksums.find((c) => c.name === name);
    if (before && after && before.stored === after.stored && before.valid === after.valid) continue;
    const note = !after
      ? 'gone'
      : !before
        ? after.valid
          ? 'valid'
          : 'wrong'
        : after.valid
          ? before.valid
            ? 'updated, still valid'
            : 'fixed'
          : before.valid
            ? `broken (should be 0x${after.computed.toString(16).padStart(4, '0')})`
            : 'still wrong';
    checksums.push({ name, ...(before ? { before } : {}), ...(after ? { after } : {}), note });
  }
  const changedBytes: number[] = [];
  for (let i = 0; i < Math.min(input.length, output.length); i++) if (input[i] !== output[i]) changedBytes.push(i);
  const lines = changes.filter((c) => c.name !== 'checksum').map((c) => `${c.layer} ${c.name}: ${c.before} -> ${c.after}`);
  for (const c of checksums)
    lines.push(`${c.name} checksum: ${c.note}${c.after ? ` (0x${c.after.stored.toString(16).padStart(4, '0')})` : ''}`);
  if (input.length !== output.length) lines.push(`length: ${input.length} -> ${output.length} bytes`);
  const same = changedBytes.length === 0 && input.length === output.length;
  if (!same && !lines.length) lines.push(`${changedBytes.length} bytes changed at offsets ${changedBytes.slice(0, 16).join(', ')}`);
  return { input: a, output: b, same, changes, checksums, changedBytes, lines };
}

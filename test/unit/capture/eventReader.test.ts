// The agent's side of the capture wire: `bpftool -j map event_pipe` output with variable-length records (header +
// cap_len bytes, padded), loss reports, the wrapper's filler, chunks split anywhere; the per-CPU counters bpftool prints; the
// config bytes; the names under which the plain object's maps are reused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchRecords, CaptureEventReader } from '../../../remote-agent/capture/eventReader';
import { batchTails, decodeEventHeader, encodeConfig, sumStats } from '../../../remote-agent/capture/layout';
import { reuseName } from '../../../remote-agent/capture/captures';

type Head = { ts: bigint; ifindex: number; len: number; verdict: number };

/** One record as the wrapper writes it: the 32-byte header, then the bytes. */
function record(header: Head, data: Buffer): Buffer {
  const h = Buffer.alloc(32);
  h.writeBigUInt64LE(header.ts, 0);
  h.writeUInt32LE(header.ifindex, 8);
  h.writeUInt32LE(header.len, 12);
  h.writeUInt32LE(data.length, 16);
  h.writeInt32LE(header.verdict, 20);
  return Buffer.concat([h, data]);
}

/** Records as a batch holds them: each padded with zeros to 8 bytes. */
function batch(records: Buffer[]): Buffer {
  return Buffer.concat(records.map((r) => Buffer.concat([r, Buffer.alloc((8 - (r.length % 8)) % 8)])));
}

/** The JSON bpftool -j prints for one sample (a decimal number a byte), padded like the kernel pads it. */
function sample(header: Head, data: Buffer, cpu = 1): string {
  return sampleOf(record(header, data), cpu);
}

function sampleOf(bytes: Buffer, cpu = 1): string {
  let all = bytes;
  all = Buffer.concat([all, Buffer.alloc((8 - ((all.length + 4) % 8)) % 8)]); // perf pads size+data to 8
  return `{"type":9,"cpu":${cpu},"index":${cpu},"timestamp":340910939749,"data":[${[...all].join(',')}]},`;
}

/** A loss report as bpftool -j prints it. */
const lostOf = (n: number) => `{"type":2,"cpu":0,"index":0,"lost":{"id":7,"count":${n}}},`;

describe('CaptureEventReader', () => {
  const packet = Buffer.from(Array.from({ length: 98 }, (_, i) => i));
  const text =
    '[' +
    sample({ ts: 340910939749n, ifindex: 5, len: 98, verdict: 1 }, packet) +
    lostOf(3) +
    sample({ ts: 340910940000n, ifindex: 5, len: 42, verdict: -1 }, Buffer.alloc(0)) +
    sample({ ts: 340910950000n, ifindex: 7, len: 1500, verdict: 2 }, packet.subarray(0, 13));

  for (const step of [text.length, 1, 7, 100]) {
    it(`reads records, header and bytes, and losses (chunks of ${step})`, () => {
      const got: { h: ReturnType<typeof decodeEventHeader>; data: Buffer }[] = [];
      let lost = 0;
      let malformed = 0;
      const r = new CaptureEventReader({
        record: (h, data) => got.push({ h: decodeEventHeader(h), data }),
        lost: (n) => {
          lost += n;
        },
        malformed: () => {
          malformed++;
        },
      });
      for (let i = 0; i < text.length; i += step) r.push(text.slice(i, i + step));
      assert.equal(lost, 3);
      assert.equal(malformed, 0);
      assert.deepEqual(
        got.map((g) => [g.h.timestampNs, g.h.ifindex, g.h.len, g.h.capLen, g.h.verdict]),
        [
          [340910939749, 5, 98, 98, 1],
          [340910940000, 5, 42, 0, -1],
          [340910950000, 7, 1500, 13, 2],
        ],
      );
      assert.deepEqual(got[0].data, packet);
      assert.deepEqual(got[2].data, packet.subarray(0, 13));
    });
  }

  it('a record cut short by the next one, or claiming more than the maximum, is counted, not guessed', () => {
    let malformed = 0;
    const got: Buffer[] = [];
    const r = new CaptureEventReader({
      record: (_h, d) => got.push(d),
      lost: () => undefined,
      malformed: () => {
        malformed++;
      },
    });
    const full = sample({ ts: 1n, ifindex: 1, len: 98, verdict: 2 }, packet);
    r.push(sampleOf(record({ ts: 1n, ifindex: 1, len: 98, verdict: 2 }, packet).subarray(0, 40))); // the header and 8 bytes of 98
    const huge = Buffer.alloc(32);
    huge.writeUInt32LE(100_000, 16);
    r.push(sampleOf(huge));
    r.push(full);
    assert.equal(malformed, 2);
    assert.equal(got.length, 1);
  });
});

describe('batched samples', () => {
  const packet = Buffer.from(Array.from({ length: 98 }, (_, i) => 255 - i));
  const recs = [
    record({ ts: 10n, ifindex: 3, len: 98, verdict: 1 }, packet),
    record({ ts: 11n, ifindex: 3, len: 1514, verdict: 2 }, packet.subarray(0, 77)),
    record({ ts: 12n, ifindex: 3, len: 60, verdict: 2 }, Buffer.alloc(0)),
  ];
  const text = sample({ ts: 9n, ifindex: 3, len: 98, verdict: 1 }, packet) + sampleOf(batch(recs), 0) + lostOf(2);

  for (const step of [text.length, 1, 13]) {
    it(`reads every record of a sample holding several, each as soon as its bytes arrived (chunks of ${step})`, () => {
      const got: [number, number, Buffer][] = [];
      let lost = 0;
      let malformed = 0;
      const r = new CaptureEventReader({
        record: (h, d) => got.push([decodeEventHeader(h).timestampNs, decodeEventHeader(h).verdict, d]),
        lost: (n) => void (lost += n),
        malformed: () => void malformed++,
      });
      let firstAt = -1;
      for (let i = 0; i < text.length; i += step) {
        r.push(text.slice(i, i + step));
        if (firstAt < 0 && got.length >= 2) firstAt = i;
      }
      assert.deepEqual(
        got.map(([ts, v, d]) => [ts, v, d.length]),
        [
          [9, 1, 98],
          [10, 1, 98],
          [11, 2, 77],
          [12, 2, 0],
        ],
      );
      assert.deepEqual(got[2][2], packet.subarray(0, 77));
      assert.equal(lost, 2);
      assert.equal(malformed, 0);
      if (step === 1) assert.ok(firstAt < text.indexOf('"lost"'), 'a record is handed over before its sample ends');
    });
  }

  it("skips the wrapper's filler (timestamp 0, 0xff bytes) and reports bpftool's errors", () => {
    const filler = Buffer.alloc(1056, 0xff);
    filler.fill(0, 0, 32);
    filler.writeUInt32LE(1024, 16);
    const got: number[] = [];
    const errors: string[] = [];
    const r = new CaptureEventReader({
      record: (h) => got.push(decodeEventHeader(h).timestampNs),
      lost: () => assert.fail(),
      malformed: () => assert.fail(),
      error: (m) => errors.push(m),
    });
    r.push(sample({ ts: 5n, ifindex: 3, len: 98, verdict: 1 }, packet) + sampleOf(filler) + sampleOf(batch(recs)));
    r.push('{"error":"perf buffer polling failed: \\"x\\" {bad} (4)"}');
    assert.deepEqual(got, [5, 10, 11, 12]);
    assert.deepEqual(errors, ['perf buffer polling failed: "x" {bad} (4)']);
  });

  it('the tail of a batch read from the map at stop (bpftool -j map dump, with BTF and without)', () => {
    const bytes = batch(recs);
    const data = Buffer.alloc(4096);
    bytes.copy(data);
    const raw = Buffer.alloc(32 + 4096);
    raw.writeUInt32LE(bytes.length, 0);
    bytes.copy(raw, 32);
    const json = JSON.stringify([
      {
        key: ['0x00'],
        values: [{ cpu: 0, value: ['0x00'] }],
        formatted: {
          key: 0,
          values: [
            { cpu: 0, value: { used: bytes.length, count: 3, first_ns: 10, last_sent_ns: 9, _pad: 0, data: [...data] } },
            { cpu: 1, value: { used: 0, count: 0, first_ns: 0, last_sent_ns: 0, _pad: 0, data: [...Buffer.alloc(4096)] } },
          ],
        },
      },
    ]);
    const plain = JSON.stringify([
      { key: ['0x00'], values: [{ cpu: 0, value: [...raw].map((b) => `0x${b.toString(16).padStart(2, '0')}`) }] },
    ]);
    for (const j of [json, plain]) {
      const tails = batchTails(j);
      assert.equal(tails.length, 1, 'the CPU with nothing waiting gives nothing');
      const got: number[] = [];
      batchRecords(tails[0], tails[0].length, {
        record: (h) => got.push(decodeEventHeader(h).timestampNs),
        malformed: () => assert.fail(),
      });
      assert.deepEqual(got, [10, 11, 12]);
    }
  });
});

describe('layout', () => {
  it("sums bpftool's per-CPU counters (formatted by BTF)", () => {
    const json = JSON.stringify([
      {
        key: ['0x00'],
        values: [{ cpu: 0, value: ['0x01'] }],
        formatted: {
          key: 0,
          values: [
            { cpu: 0, value: { seen: 5, matched: 3, failed: 1, _pad: 0, verdicts: [0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } },
            { cpu: 1, value: { seen: 10, matched: 10, failed: 0, _pad: 0, verdicts: [0, 4, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] } },
          ],
        },
      },
    ]);
    assert.deepEqual(sumStats(json), { seen: 15, matched: 13, failed: 1, verdicts: [0, 4, 3, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
  });

  it('writes the filter as tracepkt does, with the snap length at offset 56', () => {
    const b = encodeConfig({ protocol: 'tcp', port: 80, dst: '10.0.0.2' }, 128);
    assert.equal(b.length, 64);
    assert.equal(b[0], 1, 'enabled');
    assert.equal(b[1], 6, 'tcp');
    assert.equal(b[2], 0x04 | 0x08, 'dst and port');
    assert.equal(b.readUInt16BE(4), 80);
    assert.equal(b.readUInt16LE(56), 128);
    assert.deepEqual([...b.subarray(40, 56)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2]);
  });

  it("names the plain object's maps as the instrumented object (vcap.o) knows them", () => {
    assert.equal(reuseName('drop_stats', 'drop_stats', 'vcap'), 'drop_stats');
    assert.equal(
      reuseName('a_rather_long_n', 'a_rather_long_name_of_a_map', 'vcap'),
      'a_rather_long_name_of_a_map',
      "full ELF name, not the kernel's 15",
    );
    assert.equal(reuseName('xdp_drop.rodata', 'xdp_drop_rodata', 'vcap'), 'vcap.rodata');
    assert.equal(reuseName('xdp_drop.bss', 'xdp_drop_bss', 'vcap'), 'vcap.bss');
    assert.equal(reuseName('xdp_drop.data', 'xdp_drop_data', 'averyverylongname'), 'averyver.data');
    assert.equal(reuseName('.rodata.str1.1', '_rodata_str1_1', 'vcap'), '.rodata.str1.1');
    assert.equal(reuseName('xdp_drop.kconfig', 'xdp_drop_kconfig', 'vcap'), undefined);
  });
});

// Reads `bpftool map event_pipe` output of the capture wrapper (bpf/include/netdebug_capture.h). Each perf sample is
// one or more records back to back: struct ndcap_event (32 bytes, with cap_len) then cap_len packet bytes, each
// record padded with zeros to a multiple of 8 (a batch of records), the sample itself padded by the kernel. The text:
//   == @597.214835411 CPU: 1 index: 1 =====
//   4b 9a 18 60 4f 00 00 00  05 00 00 00 62 00 00 00      (16 bytes a row)
//   lost 3 events                                          (the perf buffer was full: the reader was too slow)
// A record is handed over as soon as its header and cap_len bytes have arrived (a ping is shown at once), so the
// end of a sample is only known when the next line that is not hex comes: what is left then is padding (< 8 bytes),
// or a record cut short (counted as malformed).
import { EVENT_HEADER_SIZE, MAX_SNAP_LENGTH } from './layout';

export interface CaptureRecordSink {
  /** `header` and `data` are copies the sink may keep. */
  record(header: Buffer, data: Buffer): void;
  lost(count: number): void;
  /** A record that made no sense (a cap_len beyond the maximum, cut short): counted as lost by the caller. */
  malformed(): void;
}

/** Hex digit -> value, 255 for anything else (a space is skipped, the rest makes the line no hex row). */
const HEX = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;
const SPACE = 32;
const TAB = 9;
const align8 = (n: number) => (n + 7) & ~7;

export class CaptureEventReader {
  private partial = '';
  /** The current sample's bytes so far (reused from sample to sample). */
  private buf = Buffer.allocUnsafe(16384);
  private have = 0;
  /** Where the next record of the sample starts. */
  private pos = 0;
  private inSample = false;

  constructor(private readonly sink: CaptureRecordSink) {}

  // The agent parses every byte bpftool prints (three characters per packet byte): lines are walked in place,
  // without splitting the chunk or a regular expression per row.
  push(chunk: string): void {
    const text = this.partial ? this.partial + chunk : chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.line(text, start, nl);
      start = nl + 1;
    }
    this.partial = start < text.length ? text.slice(start) : '';
  }

  /** The sample ended: fewer than 8 bytes left is the padding; more is a record cut short. */
  private endSample(): void {
    if (this.inSample && this.have - this.pos >= 8) this.sink.malformed();
    this.inSample = false;
    this.have = 0;
    this.pos = 0;
  }

  private line(text: string, s: number, e: number): void {
    const c0 = text.charCodeAt(s);
    if (c0 === 61 /* = */ && text.startsWith('== @', s)) {
      this.endSample();
      this.inSample = true;
      return;
    }
    if (c0 === 108 /* l */ && text.startsWith('lost ', s)) {
      const lost = /^lost (\d+) events/.exec(text.slice(s, e));
      if (!lost) return;
      this.endSample();
      this.sink.lost(Number(lost[1]));
      return;
    }
    if (!this.inSample) return;
    if (this.have + (e - s) > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.have + (e - s)));
      this.buf.copy(bigger, 0, 0, this.have);
      this.buf = bigger;
    }
    // hex pairs separated by spaces, straight into the sample's buffer; a line with anything else is no hex row
    const buf = this.buf;
    let n = this.have;
    for (let i = s; i < e;) {
      const c = text.charCodeAt(i);
      if (c === SPACE || c === TAB || c === 13) {
        i++;
        continue;
      }
      const hi = c < 128 ? HEX[c] : 255;
      const d = text.charCodeAt(i + 1);
      const lo = i + 1 < e && d < 128 ? HEX[d] : 255;
      if (hi === 255 || lo === 255) return;
      buf[n++] = (hi << 4) | lo;
      i += 2;
    }
    this.have = n;
    this.records();
  }

  /** Hands over every whole record the sample holds beyond `pos`. */
  private records(): void {
    while (this.have - this.pos >= EVENT_HEADER_SIZE) {
      const capLen = this.buf.readUInt32LE(this.pos + 16);
      if (capLen > MAX_SNAP_LENGTH) {
        this.sink.malformed();
        this.inSample = false; // nothing after it can be found: skip to the next sample
        return;
      }
      const end = this.pos + EVENT_HEADER_SIZE + capLen;
      if (this.have < end) return;
      this.sink.record(
        Buffer.from(this.buf.subarray(this.pos, this.pos + EVENT_HEADER_SIZE)),
        Buffer.from(this.buf.subarray(this.pos + EVENT_HEADER_SIZE, end)),
      );
      this.pos = align8(end);
    }
  }
}

/** The records of a batch buffer read from the map at stop (`used` bytes of data): the same layout as a sample. */
export function batchRecords(data: Buffer, used: number, sink: Pick<CaptureRecordSink, 'record' | 'malformed'>): void {
  let pos = 0;
  while (used - pos >= EVENT_HEADER_SIZE) {
    const capLen = data.readUInt32LE(pos + 16);
    const end = pos + EVENT_HEADER_SIZE + capLen;
    if (capLen > MAX_SNAP_LENGTH || end > used) return sink.malformed();
    sink.record(Buffer.from(data.subarray(pos, pos + EVENT_HEADER_SIZE)), Buffer.from(data.subarray(pos + EVENT_HEADER_SIZE, end)));
    pos = align8(end);
  }
}

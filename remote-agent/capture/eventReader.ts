// Reads `bpftool map event_pipe` output whose records have a variable length: struct ndcap_event (32 bytes, with
// cap_len) followed by cap_len packet bytes, padded by the kernel to 8 bytes. The text looks like
//   == @597.214835411 CPU: 1 index: 1 =====
//   4b 9a 18 60 4f 00 00 00  05 00 00 00 62 00 00 00      (16 bytes a row)
//   lost 3 events                                          (the perf buffer was full: the reader was too slow)
// A record is handed over as soon as its header and cap_len bytes have arrived.
import { EVENT_HEADER_SIZE, MAX_SNAP_LENGTH } from './layout';

export interface CaptureRecordSink {
  record(header: Buffer, data: Buffer): void;
  lost(count: number): void;
  /** A record that made no sense (a cap_len beyond the maximum): counted as lost by the caller. */
  malformed(): void;
}

const SPACES = /\s+/g;
const HEX_LINE = /^[0-9a-f\s]+$/i;

export class CaptureEventReader {
  private partial = '';
  private parts: Buffer[] = [];
  private have = 0;
  private want = 0;
  private inRecord = false;

  constructor(private readonly sink: CaptureRecordSink) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line.startsWith('== @')) {
      if (this.inRecord) this.sink.malformed(); // the previous record ended short
      this.inRecord = true;
      this.parts = [];
      this.have = 0;
      this.want = EVENT_HEADER_SIZE;
      return;
    }
    if (line.startsWith('lost ')) {
      const lost = /^lost (\d+) events/.exec(line);
      if (!lost) return;
      if (this.inRecord) this.sink.malformed();
      this.inRecord = false;
      this.sink.lost(Number(lost[1]));
      return;
    }
    if (!this.inRecord || !HEX_LINE.test(line)) return;
    // one native hex decode per row: this reader keeps up with tens of thousands of packets a second
    const row = Buffer.from(line.replace(SPACES, ''), 'hex');
    this.parts.push(row);
    this.have += row.length;
    if (this.want === EVENT_HEADER_SIZE && this.have >= EVENT_HEADER_SIZE) {
      const head = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
      const capLen = head.readUInt32LE(16);
      if (capLen > MAX_SNAP_LENGTH) {
        this.inRecord = false;
        this.sink.malformed();
        return;
      }
      this.want = EVENT_HEADER_SIZE + capLen;
    }
    if (this.have >= this.want) {
      this.inRecord = false;
      const all = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.have);
      this.sink.record(all.subarray(0, EVENT_HEADER_SIZE), Buffer.from(all.subarray(EVENT_HEADER_SIZE, this.want)));
    }
  }
}

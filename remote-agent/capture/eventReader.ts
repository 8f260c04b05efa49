// Reads `bpftool -j map event_pipe` output of the capture wrapper (bpf/include/netdebug_capture.h). Each perf sample
// is one or more records back to back: struct ndcap_event (32 bytes, with cap_len) then cap_len packet bytes, each
// record padded with zeros to a multiple of 8 (a batch of records), the sample itself padded by the kernel. The
// output is one JSON array, written without a newline (bpftool's stdout is line buffered, so the plain hex form
// costs a write(2) and a wakeup of the agent every 16 bytes; this one goes out 4 KiB at a time):
//   [{"type":9,"cpu":1,"index":1,"timestamp":597214835411,"data":[75,154,24,96,...]},
//    {"type":2,"cpu":0,"index":0,"lost":{"id":..,"count":3}},...        (the perf buffer was full: the reader was slow)
//    {"error":"..."}                                                      (bpftool's own errors, also on stdout)
// It is parsed as it streams, a byte at a time, never as a whole: a record is handed over as soon as its header and
// cap_len bytes have arrived, so the end of a sample is only known at its "]"; what is left then is padding
// (< 8 bytes), or a record cut short (counted as malformed). A record with timestamp 0 is the wrapper's filler
// (it pushes the samples before it out of bpftool's buffer) and is skipped.
import { EVENT_HEADER_SIZE, MAX_SNAP_LENGTH } from './layout';

export interface CaptureRecordSink {
  /** `header` and `data` are copies the sink may keep. */
  record(header: Buffer, data: Buffer): void;
  lost(count: number): void;
  /** A record that made no sense (a cap_len beyond the maximum, cut short): counted as lost by the caller. */
  malformed(): void;
  /** An error bpftool printed ({"error": ...}). */
  error?(message: string): void;
}

const align8 = (n: number) => (n + 7) & ~7;

const enum State {
  /** Between objects: skipping "[", "," and whitespace up to the next "{". */
  Outside,
  /** Inside an object, before its "data" array (or the whole object when it has none). */
  Head,
  /** The sample's bytes: decimal numbers separated by commas. */
  Data,
  /** After the data array, up to the object's "}". */
  Tail,
}

const LBRACE = 123;
const RBRACE = 125;
const LBRACKET = 91;
const RBRACKET = 93;
const COMMA = 44;
const QUOTE = 34;
const BACKSLASH = 92;

export class CaptureEventReader {
  private state = State.Outside;
  /** The object's text before its data array (a few dozen characters a sample). */
  private head = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The number being read in the data array, -1 when none. */
  private value = -1;
  /** The current sample's bytes so far (reused from sample to sample). */
  private buf = Buffer.allocUnsafe(16384);
  private have = 0;
  /** Where the next record of the sample starts. */
  private pos = 0;

  constructor(private readonly sink: CaptureRecordSink) {}

  push(chunk: Buffer | string): void {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    // the sample's bytes at most: one per two characters ("0,")
    if (this.have + (b.length >> 1) + 1 > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.have + (b.length >> 1) + 1));
      this.buf.copy(bigger, 0, 0, this.have);
      this.buf = bigger;
    }
    const n = b.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.Outside: {
          const at = b.indexOf(LBRACE, i);
          if (at < 0) return;
          this.state = State.Head;
          this.head = '';
          this.depth = 1;
          this.inString = this.escaped = false;
          i = at + 1;
          break;
        }
        case State.Head:
          i = this.headBytes(b, i);
          break;
        case State.Data:
          i = this.dataBytes(b, i);
          break;
        case State.Tail: {
          const at = b.indexOf(RBRACE, i);
          if (at < 0) return;
          this.state = State.Outside;
          i = at + 1;
          break;
        }
      }
    }
  }

  private headBytes(b: Buffer, i: number): number {
    const start = i;
    for (; i < b.length; i++) {
      const c = b[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === LBRACE) this.depth++;
      else if (c === LBRACKET && this.depth === 1) {
        // only a sample's "data" is an array
        this.head += b.toString('latin1', start, i);
        this.startSample();
        return i + 1;
      } else if (c === RBRACE && --this.depth === 0) {
        this.head += b.toString('latin1', start, i + 1);
        this.endObject();
        return i + 1;
      }
    }
    this.head += b.toString('latin1', start, i);
    return i;
  }

  private dataBytes(b: Buffer, i: number): number {
    const buf = this.buf;
    let n = this.have;
    let v = this.value;
    for (; i < b.length; i++) {
      const c = b[i];
      if (c >= 48 && c <= 57) {
        v = v < 0 ? c - 48 : v * 10 + (c - 48);
      } else if (c === COMMA || c === RBRACKET) {
        if (v >= 0) buf[n++] = v > 255 ? 255 : v;
        v = -1;
        if (c === RBRACKET) {
          this.have = n;
          this.value = -1;
          this.records();
          this.endSample();
          this.state = State.Tail;
          return i + 1;
        }
      }
    }
    this.have = n;
    this.value = v;
    this.records();
    return i;
  }

  private startSample(): void {
    this.state = State.Data;
    this.have = 0;
    this.pos = 0;
    this.value = -1;
  }

  /** The sample ended: fewer than 8 bytes left is the padding; more is a record cut short. */
  private endSample(): void {
    if (this.have - this.pos >= 8) this.sink.malformed();
    this.have = 0;
    this.pos = 0;
  }

  /** An object without data: a loss report or an error. */
  private endObject(): void {
    this.state = State.Outside;
    const lost = /"lost":\{[^}]*"count":(\d+)/.exec(this.head);
    if (lost) return this.sink.lost(Number(lost[1]));
    const error = /"error":("(?:[^"\\]|\\.)*")/.exec(this.head);
    if (error) {
      let message: string;
      try {
        message = JSON.parse(error[1]) as string;
      } catch {
        message = error[1];
      }
      this.sink.error?.(message);
    }
  }

  /** Hands over every whole record the sample holds beyond `pos`. */
  private records(): void {
    const buf = this.buf;
    while (this.have - this.pos >= EVENT_HEADER_SIZE) {
      const capLen = buf.readUInt32LE(this.pos + 16);
      if (capLen > MAX_SNAP_LENGTH) {
        this.sink.malformed();
        this.pos = this.have = 0;
        this.state = State.Tail; // nothing after it can be found: skip to the next sample
        return;
      }
      const end = this.pos + EVENT_HEADER_SIZE + capLen;
      if (this.have < end) return;
      if (buf.readUInt32LE(this.pos) !== 0 || buf.readUInt32LE(this.pos + 4) !== 0) {
        this.sink.record(
          Buffer.from(buf.subarray(this.pos, this.pos + EVENT_HEADER_SIZE)),
          Buffer.from(buf.subarray(this.pos + EVENT_HEADER_SIZE, end)),
        );
      }
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

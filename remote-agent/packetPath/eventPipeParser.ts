// Reads the plain output of `bpftool map event_pipe` (bpftool flushes it after every record; its -j form is
// buffered through a pipe, KERNEL-FACTS "Tracepoints"):
//   == @597.214835411 CPU: 1 index: 1 =====
//   a4 01 d2 0c 8b 00 00 00  00 7a cd 09 81 88 ff ff
//   ...                                              (the sample, 16 bytes a row, padded to 8 bytes)
//   lost 3 events                                    (the kernel dropped records: the reader was too slow)
// A record is handed over as soon as it is whole (`recordSize` says how long it is once its head has arrived: the
// packet bytes make records differ in length), so the newest event is not held back until the next one comes.

export interface EventPipeSink {
  record(bytes: Buffer): void;
  lost(count: number): void;
}

export class EventPipeParser {
  private partial = '';
  private bytes: number[] = [];
  private inRecord = false;

  /** recordSize: the record's length given its bytes so far, undefined while that cannot be told yet. */
  constructor(
    private readonly recordSize: (head: Uint8Array) => number | undefined,
    private readonly sink: EventPipeSink,
  ) {}

  push(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line.startsWith('== @')) {
      this.inRecord = true;
      this.bytes = [];
      return;
    }
    const lost = /^lost (\d+) events/.exec(line);
    if (lost) {
      this.inRecord = false;
      this.sink.lost(Number(lost[1]));
      return;
    }
    if (!this.inRecord) return;
    for (const word of line.trim().split(/\s+/)) {
      if (/^[0-9a-f]{2}$/i.test(word)) this.bytes.push(parseInt(word, 16));
    }
    const size = this.recordSize(Uint8Array.from(this.bytes));
    if (size !== undefined && this.bytes.length >= size) {
      this.inRecord = false;
      this.sink.record(Buffer.from(this.bytes.slice(0, size)));
    }
  }
}

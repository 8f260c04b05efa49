// Splits a JSON array arriving in chunks (bpftool -j map dump) into its top-level elements as they complete, so a
// reader can stop after the first N: a map of millions of entries no longer has to be read, kept and parsed whole
// to return `limit` of them. Only tracks strings, escapes and bracket depth: each byte is looked at once.
export class JsonArrayStream {
  private depth = 0;
  private inString = false;
  private escape = false;
  private current: string[] = [];
  private started = false;

  /** Feeds text; returns the elements that completed in it (as JSON text). */
  push(text: string): string[] {
    const out: string[] = [];
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x5b || c === 0x7b) {
        this.depth++;
        if (this.depth === 1) {
          this.started = true;
          from = i + 1; // the outer '[' is not part of any element
        }
      } else if (c === 0x5d || c === 0x7d) {
        this.depth--;
        if (this.depth === 0) {
          this.flush(text.slice(from, i), out);
          from = i + 1;
        }
      } else if (c === 0x2c && this.depth === 1) {
        this.flush(text.slice(from, i), out);
        from = i + 1;
      }
    }
    if (this.started && this.depth >= 1) this.current.push(text.slice(from));
    return out;
  }

  private flush(tail: string, out: string[]): void {
    const element = (this.current.join('') + tail).trim();
    this.current = [];
    if (element) out.push(element);
  }
}

// A value's JSON text, known before the value is written: FrameWriter (frameWriter.ts) writes that text instead of
// serializing the value again. listings.snapshot serializes every program and map on its own for its digests
// (remote-agent/listings/snapshotReply.ts); with 1,000 programs, serializing the ~460 KB reply a second time and
// encoding the result as one string cost the agent more than listing the items did (docs/testing.md,
// tree-refresh). The text is kept beside the value (a WeakMap), so the value stays a plain object to every other
// reader (tests, in-process callers), and a writer that does not know about it serializes the value as usual.
const known = new WeakMap<object, readonly string[]>();

/**
 * Says that `pieces`, joined, are JSON text of `value` (JSON.stringify's). Pieces are whole JSON tokens or values
 * (never half of a surrogate pair). `value` must not change afterwards: the text would no longer be its JSON.
 */
export function withJsonText<T extends object>(value: T, pieces: readonly string[]): T {
  known.set(value, pieces);
  return value;
}

/** The pieces of `value`'s JSON text when they were given (withJsonText). */
export function jsonTextOf(value: unknown): readonly string[] | undefined {
  return value !== null && typeof value === 'object' ? known.get(value) : undefined;
}

/** JSON text in pieces: items already serialized are referred to, never joined or copied here. */
export class JsonPieces {
  readonly pieces: string[] = [];

  /** Raw JSON text: punctuation, a key, or a value's own JSON. */
  raw(text: string): this {
    this.pieces.push(text);
    return this;
  }

  value(v: unknown): this {
    return this.raw(JSON.stringify(v) ?? 'null');
  }

  /** An array whose items' JSON texts are `items`; with `key`, the object holding it under that one key. */
  list(items: readonly string[], key?: string): this {
    if (key !== undefined) this.raw(`{${JSON.stringify(key)}:`);
    this.raw('[');
    items.forEach((item, i) => {
      if (i) this.pieces.push(',');
      this.pieces.push(item);
    });
    this.raw(']');
    return key === undefined ? this : this.raw('}');
  }
}

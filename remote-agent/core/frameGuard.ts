// Stands between stdin and vscode-jsonrpc's reader and checks the framing before anything is buffered or parsed:
// a header block of at most MAX_HEADER bytes with exactly one decimal Content-Length of at most MAX_MESSAGE bytes,
// and a body that is a JSON object with "jsonrpc": "2.0". Anything else is framing garbage: the client is not
// speaking our protocol (or the stream is out of step), and no later byte can be trusted to start a frame. The
// guard then calls `onGarbage` once (the agent logs it and exits) and passes nothing more on. Without it the
// reader reported the error, dropped the stream's state, and the agent kept running without ever answering again.
import { Transform, type TransformCallback } from 'node:stream';

/** The largest frame body: an object.load of a 22 MB object file in base64 (MAX_OBJECT_BASE64), and some room. */
export const MAX_MESSAGE = 32 * 1024 * 1024;
const MAX_HEADER = 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export class FrameGuard extends Transform {
  private buf: Buffer[] = [];
  private buffered = 0;
  /** Body bytes still to come for the current frame (-1: reading a header). */
  private bodyLeft = -1;
  private header = Buffer.alloc(0);
  /** The header of the frame whose body is being read: passed on with the body once that is checked. */
  private frameHeader = Buffer.alloc(0);
  private dead = false;

  constructor(
    private readonly onGarbage: (why: string) => void,
    private readonly maxMessage = MAX_MESSAGE,
  ) {
    super();
  }

  private fail(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.buf = [];
    this.onGarbage(why);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.dead) this.consume(chunk);
    done();
  }

  private consume(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length && !this.dead) {
      if (this.bodyLeft < 0) {
        const scan = Buffer.concat([this.header, rest]);
        const end = scan.indexOf(HEADER_END);
        if (end < 0) {
          if (scan.length > MAX_HEADER) return this.fail(`a header longer than ${MAX_HEADER} bytes without an end`);
          this.header = scan;
          return;
        }
        if (end > MAX_HEADER) return this.fail(`a header longer than ${MAX_HEADER} bytes`);
        const length = contentLength(scan.subarray(0, end).toString('latin1'));
        if (typeof length === 'string') return this.fail(length);
        if (length > this.maxMessage) return this.fail(`a message of ${length} bytes (at most ${this.maxMessage})`);
        this.frameHeader = scan.subarray(0, end + HEADER_END.length);
        this.header = Buffer.alloc(0);
        this.bodyLeft = length;
        rest = scan.subarray(end + HEADER_END.length);
        if (length === 0) return this.fail('an empty message body');
        continue;
      }
      const take = rest.subarray(0, this.bodyLeft);
      this.buf.push(take);
      this.buffered += take.length;
      this.bodyLeft -= take.length;
      rest = rest.subarray(take.length);
      if (this.bodyLeft === 0) {
        const body = Buffer.concat(this.buf, this.buffered);
        this.buf = [];
        this.buffered = 0;
        this.bodyLeft = -1;
        const why = notJsonRpc(body);
        if (why) return this.fail(why);
        this.push(Buffer.concat([this.frameHeader, body]));
      }
    }
  }
}

/** The Content-Length of a header block, or why it has none usable. */
function contentLength(header: string): number | string {
  let length: number | undefined;
  for (const line of header.split('\r\n')) {
    const m = /^([A-Za-z-]+): *(.*)$/.exec(line);
    if (!m) return `a header line that is not "Name: value": ${JSON.stringify(line.slice(0, 60))}`;
    if (m[1].toLowerCase() !== 'content-length') continue;
    if (length !== undefined) return 'two Content-Length headers';
    if (!/^\d{1,10}$/.test(m[2])) return `Content-Length ${JSON.stringify(m[2].slice(0, 20))} is not a number`;
    length = Number(m[2]);
  }
  return length ?? 'a header without Content-Length';
}

function notJsonRpc(body: Buffer): string | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return `a body that is not JSON (${(e as Error).message.slice(0, 80)})`;
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg))
    return 'a body that is not a JSON-RPC message object (batches are not supported)';
  const m = msg as Record<string, unknown>;
  if (m.jsonrpc !== '2.0') return 'a message without "jsonrpc": "2.0"';
  if (m.method !== undefined && typeof m.method !== 'string') return 'a message whose method is not a string';
  if (m.id !== undefined && m.id !== null && typeof m.id !== 'string' && typeof m.id !== 'number')
    return 'a message whose id is not a string or number';
  if (m.method === undefined && m.id === undefined) return 'a message that is neither a request, a notification nor a response';
  return undefined;
}

// One write per JSON-RPC message: the Content-Length header and the body go out together. vscode-jsonrpc's
// StreamMessageWriter writes them separately, and over SSH each write is its own packet: the body then waits for
// the TCP acknowledgement of the header (Nagle's algorithm), which the other end delays by up to 40 ms. sshd turns
// Nagle off only for sessions with a terminal, so the agent's replies need this whatever the client does; measured
// (bench/fleet-list.bench.ts): a `list programs` round trip of 52 ms was 40-45 ms of that wait.
import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc';
import { jsonTextOf } from './jsonText';

/** "Content-Length: N\r\n\r\n" with N up to 10 digits. */
const MAX_HEADER = 30;
/** Bytes of UTF-8 one UTF-16 unit can take (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * Header and body in one Buffer, the body's pieces encoded straight into it (no piece is joined or copied on the
 * way): with the ~460 KB of a snapshot, Buffer.from of the text plus a concat with the header took 5-10 ms, these
 * writes under one. The body goes after room for the header, and the header, known once the body's byte length
 * is, right before it. The Buffer is first sized for one byte per UTF-16 unit (JSON from bpftool is ASCII); text
 * that does not fit is written again into room for the most UTF-8 it can take.
 */
export function frameOf(pieces: readonly string[]): Buffer {
  let units = 0;
  for (const p of pieces) units += p.length;
  return encodeFrame(pieces, units) ?? encodeFrame(pieces, MAX_BYTES_PER_UNIT * units)!;
}

/** The frame, or undefined when the body may not have fit in `room` bytes. */
function encodeFrame(pieces: readonly string[], room: number): Buffer | undefined {
  // Buffer.write stops before a character that does not fit whole (at most 4 bytes): with 4 bytes to spare at
  // the end, every piece was written whole.
  const buf = Buffer.allocUnsafe(MAX_HEADER + room + 4);
  let end = MAX_HEADER;
  for (const p of pieces) end += buf.write(p, end, 'utf8');
  if (end > buf.length - 4) return undefined;
  const header = `Content-Length: ${end - MAX_HEADER}\r\n\r\n`;
  buf.write(header, MAX_HEADER - header.length, 'latin1');
  return buf.subarray(MAX_HEADER - header.length, end);
}

/** A message's JSON text: a reply whose result's text is already known (jsonText.ts) is not serialized again. */
function messageText(msg: Message): readonly string[] {
  const reply = msg as { jsonrpc: string; id?: unknown; result?: unknown };
  const known = 'id' in reply ? jsonTextOf(reply.result) : undefined;
  if (!known) return [JSON.stringify(msg)];
  return [`${JSON.stringify({ jsonrpc: reply.jsonrpc, id: reply.id }).slice(0, -1)},"result":`, ...known, '}'];
}

export class FrameWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly stream: Writable) {
    super();
    stream.on('error', (e: Error) => this.fireError(e));
    stream.on('close', () => this.fireClose());
  }

  write(msg: Message): Promise<void> {
    let frame: Buffer;
    try {
      frame = frameOf(messageText(msg));
    } catch (e) {
      this.fireError(e as Error);
      return Promise.reject(e as Error);
    }
    // Writes are queued by the stream in call order, so frames never interleave (no lock needed).
    return new Promise((resolve, reject) => {
      this.stream.write(frame, (e) => {
        if (!e) return resolve();
        this.fireError(e, msg, ++this.errors);
        reject(e);
      });
    });
  }

  end(): void {
    this.stream.end();
  }
}

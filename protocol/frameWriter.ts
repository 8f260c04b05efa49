// One write per JSON-RPC message: the Content-Length header and the body go out together. vscode-jsonrpc's
// StreamMessageWriter writes them separately, and over SSH each write is its own packet: the body then waits for
// the TCP acknowledgement of the header (Nagle's algorithm), which the other end delays by up to 40 ms. sshd turns
// Nagle off only for sessions with a terminal, so the agent's replies need this whatever the client does; measured
// (bench/fleet-list.bench.ts): a `list programs` round trip of 52 ms was 40-45 ms of that wait.
import type { Writable } from 'node:stream';
import { AbstractMessageWriter, type Message, type MessageWriter } from 'vscode-jsonrpc';

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
      const body = Buffer.from(JSON.stringify(msg), 'utf8');
      frame = Buffer.concat([Buffer.from(`Content-Length: ${body.byteLength}\r\n\r\n`, 'ascii'), body]);
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

// A TCP peer for stream tests, run as its own process (inside a namespace via nsenter, optionally inside a cgroup).
//   serve --port P [--bind A] [--cgroup DIR]          accept one connection, read it to the end, print a summary
//   send  --host H --port P --bytes N [--chunk C] [--cgroup DIR]   send N random bytes, print a summary
// Summary (one JSON line on stdout): {"role","bytes","sha256"}; `serve` first prints {"listening":PORT}.
// With --cgroup the process writes its own pid to DIR/cgroup.procs before it opens any socket, so cgroup programs
// (sock_ops) see the connection from its first packet: that is the "small wrapper" a sockmap test needs,
// without a shell.
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { parseArgs } from 'node:util';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    bind: { type: 'string' },
    host: { type: 'string' },
    bytes: { type: 'string' },
    chunk: { type: 'string' },
    cgroup: { type: 'string' },
  },
});

function fail(message: string): never {
  process.stderr.write(`tcpPeer: ${message}\n`);
  process.exit(2);
}

function intArg(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) fail(`--${name} is required`);
    return fallback;
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

if (values.cgroup) writeFileSync(`${values.cgroup}/cgroup.procs`, String(process.pid));

const mode = positionals[0];
const port = intArg('port', values.port);

if (mode === 'serve') {
  const server = createServer((socket) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (d) => {
      hash.update(d);
      bytes += d.length;
    });
    socket.on('end', () => {
      process.stdout.write(`${JSON.stringify({ role: 'serve', bytes, sha256: hash.digest('hex') })}\n`);
      socket.end();
      server.close();
    });
    socket.on('error', (e) => fail(`server socket: ${e.message}`));
  });
  server.on('error', (e) => fail(`listen: ${e.message}`));
  server.listen(port, values.bind ?? '0.0.0.0', () => process.stdout.write(`${JSON.stringify({ listening: port })}\n`));
} else if (mode === 'send') {
  if (!values.host) fail('--host is required');
  const total = intArg('bytes', values.bytes);
  const chunk = intArg('chunk', values.chunk, 16384) || 16384;
  const data = randomBytes(total);
  const socket = connect(port, values.host, () => {
    let off = 0;
    const pump = () => {
      while (off < data.length) {
        const ok = socket.write(data.subarray(off, off + chunk));
        off += chunk;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
  socket.resume();
  socket.on('error', (e) => fail(`client socket: ${e.message}`));
  socket.on('close', () => {
    process.stdout.write(`${JSON.stringify({ role: 'send', bytes: total, sha256: createHash('sha256').update(data).digest('hex') })}\n`);
  });
} else {
  fail(`first argument must be "serve" or "send", got "${mode ?? ''}"`);
}

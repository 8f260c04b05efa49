// The seed scenarios through SSH against a namespace host, judged by what the network does: the XDP ping dropper on
// the host's eth0 makes our pings go unanswered (and they come back after detach); the tc PSH setter on the host's
// eth0 egress puts [P.] on roughly one in ten of its pure ACKs, seen by tcpdump on our end of the link, while the
// stream arrives intact. Objects travel as bytes over the connection (object.load {object: base64}).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, type Session } from '../../extension/core/session';
import { attachTcConfirmed, attachXdpConfirmed } from '../../extension/core/reconnect/confirmedAttach';
import { startCapture, type Capture } from '../kernel/helpers/tcpdump';
import { createNsHost, pingCount, type NsHost } from './helpers/nsHost';
import { startSshd, type Sshd } from './helpers/sshd';

const TOKEN = 'h3ne';
const ROOT = join(__dirname, '..', '..');
const AGENT = join(ROOT, 'dist', 'agent.js');
const REMOTE_BASE = `.cache/end_${TOKEN}`;
const PEER = join(ROOT, 'test', 'kernel', 'helpers', 'tcpPeer.ts');
const PORT = 5301;

function shipped(name: string): string {
  return readFileSync(join(ROOT, 'dist', 'bpf', `${name}.o`)).toString('base64');
}

/** One line of JSON from a tcpPeer process (its summary). */
function summary(child: ChildProcess): Promise<{ listening?: number; bytes?: number; sha256?: string }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        child.stdout!.off('data', onData);
        resolve(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      if (!buf.includes('\n')) reject(new Error(`tcpPeer exited ${code}: ${err}`));
    });
  });
}

describe('seed scenarios through SSH on a namespace host', () => {
  let host: NsHost;
  let sshd: Sshd;
  let session: Session;
  const children: ChildProcess[] = [];
  const captures: Capture[] = [];
  const objects = [`end_${TOKEN}_drop`, `end_${TOKEN}_psh`];

  before(async () => {
    host = createNsHost(TOKEN);
    sshd = await startSshd({ token: TOKEN, netns: host.netns, listenAddress: host.address });
    session = await openSession(`root@${host.address}`, {
      agentPath: AGENT,
      ssh: sshd.client.connectOptions(),
      deploy: { remoteBase: REMOTE_BASE },
      reconnect: false,
    });
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const c of captures) c.dispose();
    // Only this file's attachments: the agent lists every named namespace of the machine, where other test files
    // (running in parallel) have theirs (detaching them all once took the fleet test's program off its interface).
    const ours = new Set(
      ((await session?.client.objectList().catch(() => [])) ?? [])
        .filter((o) => objects.includes(o.name))
        .flatMap((o) => o.programs.map((p) => p.id)),
    );
    for (const a of (await session?.client.attachmentsList().catch(() => [])) ?? []) {
      if ((a.netns ?? 'root') === 'root' && a.progId !== undefined && ours.has(a.progId))
        await session.client.detach({ attachment: a.id }).catch(() => undefined);
    }
    for (const name of objects) await session?.client.objectUnload({ name }).catch(() => undefined);
    await session?.close().catch(() => undefined);
    await sshd?.stop();
    host?.destroy();
    rmSync(join('/root', REMOTE_BASE), { recursive: true, force: true });
  });

  it('drop ping: with the program on the host our pings go unanswered; after detach they are answered', async () => {
    assert.equal(pingCount(host.address, 3), 3, 'the host answers before');
    await session.client.objectLoad({ object: shipped('xdp_drop_ping'), name: objects[0] });
    // Default policy: eth0 carries SSH, so this attach is confirmed over a fresh round trip (it keeps SSH working).
    const outcome = await attachXdpConfirmed(session, { program: `${objects[0]}/xdp_drop_ping`, dev: 'eth0' }, { defaultWithinMs: 8000 });
    assert.equal(outcome.status, 'confirmed');
    assert.equal(pingCount(host.address, 5), 0, '100% loss');
    assert.equal((await session.transport.exec(['echo', 'ssh still works'])).stdout, 'ssh still works\n');
    await session.client.detach({ attachment: outcome.attachment.id });
    assert.equal(pingCount(host.address, 5), 5, 'answered again after detach');
  });

  it("tcp psh: about one in ten of the host's pure ACKs carry PSH, and the stream arrives intact", async () => {
    await session.client.objectLoad({ object: shipped('tc_tcp_psh'), name: objects[1] });
    const outcome = await attachTcConfirmed(
      session,
      { program: `${objects[1]}/tc_tcp_psh`, dev: 'eth0', direction: 'egress' },
      { defaultWithinMs: 8000 },
    );
    assert.equal(outcome.status, 'confirmed');

    // our end of the link: the host's pure ACKs as its peer receives them
    const dump = await startCapture(null, host.rootDev, {
      filter: ['tcp', 'and', 'src', 'host', host.address, 'and', 'src', 'port', String(PORT)],
    });
    captures.push(dump);
    // Receiver on the host (it sends the pure ACKs through the program), sender here.
    const server = spawn(
      'nsenter',
      [`--net=/run/netns/${host.netns}`, process.execPath, '--import', 'tsx', PEER, 'serve', '--port', String(PORT)],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
    );
    children.push(server);
    const serverSummary = summary(server);
    assert.equal((await serverSummary).listening, PORT);
    const received = summary(server);
    const client = spawn(
      process.execPath,
      ['--import', 'tsx', PEER, 'send', '--host', host.address, '--port', String(PORT), '--bytes', String(8 << 20)],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT },
    );
    children.push(client);
    const [sent, got] = await Promise.all([summary(client), received]);
    assert.equal(got.bytes, 8 << 20, 'every byte arrived');
    assert.equal(got.sha256, sent.sha256, 'unchanged');
    // stop() waits until tcpdump has written every packet it was offered (the last ACKs too), and fails on a loss
    const packets = await dump.stop();
    const acks = packets.filter((p) => p.length === 0 && (p.flags === '.' || p.flags === 'P.'));
    const psh = acks.filter((p) => p.flags === 'P.').length;
    assert.ok(acks.length >= 20, `enough pure ACKs (${acks.length})`);
    const ratio = psh / acks.length;
    assert.ok(ratio >= 0.05 && ratio <= 0.2, `PSH on ${psh} of ${acks.length} pure ACKs (${(ratio * 100).toFixed(1)}%)`);
    await session.client.detach({ attachment: outcome.attachment.id });
  });
});

// The `npm start` session (scripts/start.sh runs this after setup and packaging): a lab host with sshd, a private
// code-server with the packaged extension configured for it, and a workspace holding the programs of bpf/.
// Prints the URL and waits; Ctrl-C (or SIGTERM) stops code-server, removes the lab and the objects the session
// loaded, and exits. Environment: PORT (default 8080, else a free one), BIND (default 127.0.0.1).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createLabHost, type LabHost } from './labHost';
import { freePort, repoRoot, startCodeServer, type CodeServer } from './codeServer';

const TOKEN = 'npmst';
const PIN_ROOT = '/sys/fs/bpf/ebpf-netdebug';

function pinnedObjects(): Set<string> {
  return new Set(existsSync(PIN_ROOT) ? readdirSync(PIN_ROOT) : []);
}

/** A workspace that survives restarts, so edits to the programs are kept; filled from bpf/ when empty. */
function workspace(): string {
  const dir = join(repoRoot, '.cache/start-workspace');
  if (!existsSync(join(dir, 'bpf'))) {
    mkdirSync(dir, { recursive: true });
    cpSync(join(repoRoot, 'bpf'), join(dir, 'bpf'), { recursive: true, filter: (src) => !src.endsWith('.o') });
  }
  return dir;
}

async function portToUse(): Promise<number> {
  const wanted = Number(process.env.PORT ?? 8080);
  const probe = await import('node:net');
  const free = await new Promise<boolean>((resolve) => {
    const s = probe
      .createServer()
      .once('error', () => resolve(false))
      .listen(wanted, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? wanted : freePort();
}

async function main(): Promise<void> {
  // A previous run killed with SIGKILL may have left its namespaces: they are ours by name.
  for (const ns of [`end_${TOKEN}_h`, `end_${TOKEN}_p`]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* not there */
    }
  }
  const pinsBefore = pinnedObjects();
  let lab: LabHost | undefined;
  let cs: CodeServer | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[start] stopping code-server and removing the lab...');
    await cs?.stop().catch((e) => console.error(`[start] code-server: ${e}`));
    await lab?.destroy().catch((e) => console.error(`[start] lab: ${e}`));
    for (const name of pinnedObjects()) if (!pinsBefore.has(name)) rmSync(join(PIN_ROOT, name), { recursive: true, force: true });
    console.log('[start] done');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    console.log('[start] creating the lab host (namespaces, veths, sshd)...');
    lab = await createLabHost(TOKEN, { fixedToken: true });
    const port = await portToUse();
    cs = await startCodeServer({
      workspace: workspace(),
      port,
      host: process.env.BIND ?? '127.0.0.1',
      settings: {
        'ebpfNetDebug.hosts': [{ name: 'lab', target: lab.alias }],
        'ebpfNetDebug.defaultHost': 'lab',
        'workbench.startupEditor': 'none',
      },
      prepareHome: (home) => lab!.installClient(home),
    });
    console.log(`
  eBPF Network Debugger is running in code-server:

      ${cs.url.replace('127.0.0.1', process.env.BIND && process.env.BIND !== '0.0.0.0' ? process.env.BIND : '127.0.0.1')}

  Lab host "lab" (ssh alias ${lab.alias}, ${lab.sshAddress}): namespace ${lab.hostNs}, eth0 ${lab.hostAddress}.
  Peer to ping from:  nsenter --net=/run/netns/${lab.peerNs} ping ${lab.hostAddress}
  Open bpf/xdp_drop_ping.bpf.c, run "eBPF: Attach XDP to eth0" from the palette (F1), and watch the ping stop.
  Ctrl-C stops code-server and removes the lab.
`);
    // Keep a ping running so the effect is visible in this terminal: one line per second.
    const { spawn } = await import('node:child_process');
    const ping = spawn('nsenter', [`--net=/run/netns/${lab.peerNs}`, 'ping', '-n', '-O', '-i', '1', '-W', '1', lab.hostAddress], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    ping.stdout.on('data', (b: Buffer) => process.stdout.write(`[lab ping] ${b.toString().trimEnd().split('\n').join('\n[lab ping] ')}\n`));
    process.on('exit', () => ping.kill());
    await new Promise(() => undefined);
  } catch (e) {
    console.error(`[start] ${e instanceof Error ? e.message : e}`);
    await stop(1);
  }
}

void main();

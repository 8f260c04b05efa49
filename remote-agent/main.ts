// Entry of dist/agent.js: JSON-RPC 2.0 over stdin/stdout (vscode-jsonrpc). stdout belongs to the protocol, so
// console.* is sent to stderr before anything else runs; exceptions that escape a request become `agent.log`
// notifications instead of killing the agent.
import { format } from 'node:util';

for (const level of ['log', 'info', 'debug', 'warn', 'error', 'trace'] as const) {
  console[level] = (...args: unknown[]) => void process.stderr.write(`${format(...args)}\n`);
}

import * as os from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMessageConnection, StreamMessageReader } from 'vscode-jsonrpc/node';
import { FrameWriter } from '../protocol/frameWriter';
import { agentLog, capturePackets, traceEvents, type AgentLogParams } from '../protocol/agent';
import { Captures } from './capture/captures';
import type { AgentContext } from './core/context';
import { FrameGuard } from './core/frameGuard';
import { run } from './core/runner';
import { chooseBpftool } from './host/bpftool';
import { cgroup2Root } from './host/mounts';
import { ensureStateDir } from './objects/store';
import { parseOptions } from './options';
import { rememberOwnCode, runWatchdog } from './safety/deadman';
import { runStandby, STANDBY_FLAG } from './safety/watchdogStandby';
import { serveAgents } from './keep/agentServer';
import { AWAIT_FLAG, awaitConnection, type AgentIo } from './keep/readyAgent';
import { agentChecksum } from './host/facts';
import { methodTable, serve } from './server';
import { TraceStreams } from './trace/streams';
import tracepktObject from '../dist/bpf/embed/tracepkt.o';

/**
 * On the runtime the client brought (docs/deploy.md), node runs through the bundled loader, so process.execPath names
 * the loader, which cannot start node by itself: point it at the runtime's node wrapper, so whatever starts node
 * again from here (the dead-man watchdog) goes through the wrapper too.
 */
function useRuntimeNode(runtimeBpftool: string | undefined): void {
  if (!runtimeBpftool || !/\/ld-linux[^/]*\.so\.\d+$/.test(process.execPath)) return;
  const wrapper = join(dirname(dirname(runtimeBpftool)), 'node', 'node');
  if (existsSync(wrapper)) process.execPath = wrapper;
}

async function serveStdio(argv: string[]): Promise<void> {
  await serveAgent(argv, async () => ({ input: process.stdin, output: process.stdout }));
}

/**
 * Everything an agent sets up before its first request (the bpftool chosen, the state dir, the context), then
 * `io()`: its stdio at once, or, for an agent a kept agent starts ahead of need, the connection it is handed later.
 */
async function serveAgent(argv: string[], io: () => Promise<AgentIo>): Promise<void> {
  const opts = parseOptions(argv);
  useRuntimeNode(opts.runtimeBpftool);
  ensureStateDir(opts.stateDir);
  const kernelRelease = os.release();
  const bpftool = await chooseBpftool(run, opts.bpftool, kernelRelease, opts.runtimeBpftool, opts.stateDir);
  const { input, output } = await io();
  // Malformed framing: say so (stderr and agent.log) and exit. Nothing after it can be trusted to start a frame,
  // and an agent that runs on without answering is worse than one that is visibly gone.
  let traces: TraceStreams | null = null;
  let framingBroken = false;
  const brokenFraming = (why: string) => {
    if (framingBroken) return;
    framingBroken = true;
    const message = `malformed framing on stdin: ${why}; exiting`;
    process.stderr.write(`[agent] error: ${message}\n`);
    setTimeout(() => process.exit(3), 2000).unref();
    void Promise.allSettled([connection.sendNotification(agentLog, { level: 'error', message }), traces?.stopAll()]).then(() =>
      output.write('', () => process.exit(3)),
    );
  };
  const guard = new FrameGuard(brokenFraming);
  const connection = createMessageConnection(new StreamMessageReader(input.pipe(guard)), new FrameWriter(output));
  connection.onError(([e]) => brokenFraming(e.message));
  const log = (p: AgentLogParams) => {
    process.stderr.write(`[agent] ${p.level}: ${p.message}\n`);
    connection.sendNotification(agentLog, p).catch(() => undefined);
  };
  process.on('uncaughtException', (e) => log({ level: 'error', message: `uncaught exception: ${e.message}`, stack: e.stack }));
  process.on('unhandledRejection', (e) => {
    const err = e instanceof Error ? e : new Error(String(e));
    log({ level: 'error', message: `unhandled rejection: ${err.message}`, stack: err.stack });
  });

  const ctx: AgentContext = {
    run,
    bpftool,
    bpftoolRequested: opts.bpftool,
    kernelRelease,
    stateDir: opts.stateDir,
    cgroupRoot: cgroup2Root(),
    // Embedded by esbuild's 'binary' loader; only this entry imports the build output, the tracer takes it as an option.
    tracepktObject,
    launch: { bundle: process.argv[1], args: opts.agentArgs },
    log,
    sendTraceEvents: (p) => connection.sendNotification(traceEvents, p),
  };
  const streams = new TraceStreams(ctx);
  traces = streams;
  const captures = new Captures(ctx, (p) => connection.sendNotification(capturePackets, p));
  let idle: () => Promise<void> = () => Promise.resolve();
  let exiting = false;
  const exit = () => {
    if (exiting) return;
    exiting = true;
    // answer what is in progress (at most 30 s), stop the trace readers, then go; attachments stay in the kernel
    void Promise.race([idle(), new Promise((r) => setTimeout(r, 30_000))])
      .then(() => Promise.all([streams.stopAll(), captures.stopAll()]))
      .finally(() =>
        setImmediate(() => {
          connection.dispose();
          process.exit(0);
        }),
      );
  };
  idle = serve(connection, methodTable(ctx, streams, exit, captures));
  connection.onClose(exit);
  input.on('end', exit);
  connection.listen();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes(STANDBY_FLAG)) {
    await runStandby(runWatchdog);
    return;
  }
  const w = argv.indexOf('--watchdog');
  if (w >= 0) {
    if (!argv[w + 1]) throw new Error('--watchdog needs a PLANFILE');
    await runWatchdog(argv[w + 1]);
    return;
  }
  const kept = parseOptions(argv).serve;
  if (kept) {
    const opts = parseOptions(argv);
    useRuntimeNode(opts.runtimeBpftool);
    const bundleSha = agentChecksum();
    if (!bundleSha) throw new Error(`cannot read the agent bundle ${process.argv[1]}`);
    await serveAgents({
      socket: kept.socket,
      idleSeconds: kept.idleSeconds,
      bundle: process.argv[1],
      bundleSha,
      agentArgs: opts.agentArgs,
    });
    return;
  }
  // Keep this bundle's code in memory: dead-man watchdogs are started from it, whatever a later deploy does to the
  // file (remote-agent/safety/deadman.ts).
  rememberOwnCode();
  if (argv.includes(AWAIT_FLAG)) await serveAgent(argv, awaitConnection);
  else await serveStdio(argv);
}

main().catch((e: unknown) => {
  process.stderr.write(`ebpf-netdebug agent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});

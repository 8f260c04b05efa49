// The typed client of the agent's JSON-RPC contract (protocol/agent.ts). It only needs a pair of streams
// (../shared/docs/STYLE.md #3): a local child process, an ssh2 exec channel, or an in-memory pair in tests.
import type { Readable, Writable } from 'node:stream';
import * as nodeTimers from 'node:timers';
import {
  ErrorCodes,
  ResponseError,
  type Disposable,
  type MessageConnection,
  type NotificationType,
  type RequestType,
  type RequestType0,
} from 'vscode-jsonrpc';
import { createMessageConnection, StreamMessageReader } from 'vscode-jsonrpc/node';
import { FrameWriter } from '../../protocol/frameWriter';
import * as P from '../../protocol/agent';
import type {
  CaptureInfo,
  CaptureSummary,
  Attachment,
  BpfLink,
  BpfMap,
  BpfProgram,
  CgroupAttachment,
  HostFacts,
  Lab,
  LoadedObject,
  PinEntry,
} from '../../protocol/types';
import type { RemoteProcess } from './transport/transport';
import { AgentError, ClientErrorCode } from './agentError';
import { SnapshotCopies } from './snapshotCopies';

export { AgentError, ClientErrorCode } from './agentError';

/** How much of the agent's stderr to keep for error messages when it dies. */
const STDERR_TAIL_BYTES = 4096;

export interface AgentClientOptions {
  /** Name and version sent in `agent.hello`. */
  clientName?: string;
  clientVersion?: string;
}

export class AgentClient {
  private readonly connection: MessageConnection;
  private readonly closeListeners = new Set<(reason: AgentError | undefined) => void>();
  /** Set as soon as the connection is known to be gone; `reason` may still improve until `closed` settles. */
  private closedWith: { reason: AgentError | undefined } | undefined;
  private readonly closed: Promise<AgentError | undefined>;
  private settleClosed!: (reason: AgentError | undefined) => void;
  private disposed = false;
  private notified = false;
  private stderrTail = '';
  /** Resolves with the reason an owned agent process gave by exiting. */
  private processExit: Promise<AgentError> | undefined;
  private process: RemoteProcess | undefined;
  /** The parts of the last listings.snapshot, reused when the agent says they did not change. */
  private readonly snapshotCopies = new SnapshotCopies();

  /** Talks to an agent whose stdout is `input` and stdin is `output`. */
  constructor(
    input: Readable,
    output: Writable,
    private readonly opts: AgentClientOptions = {},
  ) {
    this.closed = new Promise((res) => {
      this.settleClosed = res;
    });
    this.connection = createMessageConnection(new StreamMessageReader(input), new FrameWriter(output));
    this.connection.onClose(() => this.streamEnded(new AgentError(ClientErrorCode.ConnectionClosed, 'the agent closed the connection')));
    this.connection.onError(([err]) => this.streamEnded(new AgentError(ClientErrorCode.ConnectionClosed, err.message)));
    // vscode-jsonrpc only watches 'close'; a stream that ends without closing (a half-closed channel) is gone too.
    input.once('end', () => this.streamEnded(new AgentError(ClientErrorCode.ConnectionClosed, 'the agent closed the connection')));
    this.connection.listen();
  }

  /** Talks to an agent process; its stderr is kept (tail only) to explain an unexpected exit. */
  static fromProcess(proc: RemoteProcess, opts: AgentClientOptions = {}): AgentClient {
    const client = new AgentClient(proc.stdout, proc.stdin, opts);
    client.process = proc;
    proc.stderr.on('data', (b: Buffer) => {
      client.stderrTail = (client.stderrTail + b.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    client.processExit = proc.exited.then((code) => {
      const tail = client.stderrTail.trim();
      const why = `agent exited${code === null ? '' : ` with code ${code}`}${tail ? `: ${lastLine(tail)}` : ''}`;
      return new AgentError(ClientErrorCode.ConnectionClosed, why, tail ? { stderr: tail } : {});
    });
    void client.processExit.then((reason) => client.streamEnded(reason));
    return client;
  }

  /** The last few KB the agent wrote to stderr (it never writes protocol there). */
  get agentStderr(): string {
    return this.stderrTail;
  }

  get isClosed(): boolean {
    return this.closedWith !== undefined;
  }

  // ---- requests (one per method of protocol/agent.ts) --------------------------------------------------------

  hello(params?: Partial<P.HelloParams>): Promise<HostFacts> {
    return this.request(P.hello, {
      clientName: params?.clientName ?? this.opts.clientName ?? 'ebpf-netdebug',
      clientVersion: params?.clientVersion ?? this.opts.clientVersion ?? '0.0.0',
    });
  }
  listPrograms(): Promise<BpfProgram[]> {
    return this.request0(P.listPrograms);
  }
  listMaps(): Promise<BpfMap[]> {
    return this.request0(P.listMaps);
  }
  listLinks(): Promise<BpfLink[]> {
    return this.request0(P.listLinks);
  }
  netList(params: P.NetListParams = {}): Promise<P.NetListResult> {
    return this.request(P.netList, params);
  }
  cgroupList(params: P.CgroupListParams = {}): Promise<CgroupAttachment[]> {
    return this.request(P.cgroupList, params);
  }
  pinsList(): Promise<PinEntry[]> {
    return this.request0(P.pinsList);
  }
  attachmentsList(): Promise<Attachment[]> {
    return this.request0(P.attachmentsList);
  }
  /**
   * Every listing of the tree in one request (one bpftool run on the host); failed parts are named in `errors`.
   * Parts unchanged since this client's last snapshot are not sent again: their held copies come back
   * (snapshotCopies.ts; callers must not change the result).
   */
  async listingsSnapshot(): Promise<P.ListingsSnapshotResult> {
    const ask = this.snapshotCopies.ask();
    return this.snapshotCopies.merge(await this.request(P.listingsSnapshot, ask.params), ask);
  }

  objectLoad(params: P.ObjectLoadParams): Promise<LoadedObject> {
    return this.request(P.objectLoad, params);
  }
  objectUnload(params: P.ObjectUnloadParams): Promise<{ removedPins: string[] }> {
    return this.request(P.objectUnload, params);
  }
  objectList(): Promise<LoadedObject[]> {
    return this.request0(P.objectList);
  }

  attachXdp(params: P.AttachXdpParams): Promise<Attachment> {
    return this.request(P.attachXdp, params);
  }
  attachTc(params: P.AttachTcParams): Promise<Attachment> {
    return this.request(P.attachTc, params);
  }
  attachCgroup(params: P.AttachCgroupParams): Promise<Attachment> {
    return this.request(P.attachCgroup, params);
  }
  attachSkMsg(params: P.AttachSkMsgParams): Promise<Attachment> {
    return this.request(P.attachSkMsg, params);
  }
  attachTracepoints(params: P.AttachTracepointsParams): Promise<Attachment> {
    return this.request(P.attachTracepoints, params);
  }
  attachConfirm(params: P.AttachConfirmParams): Promise<{ confirmed: boolean }> {
    return this.request(P.attachConfirm, params);
  }
  detach(params: P.DetachParams): Promise<{ detached: Attachment }> {
    return this.request(P.detach, params);
  }
  rollbacksList(): Promise<P.RollbackRecord[]> {
    return this.request0(P.rollbacksList);
  }

  mapDump(params: P.MapDumpParams): Promise<{ entries: P.MapEntry[]; truncated: boolean }> {
    return this.request(P.mapDump, params);
  }
  progDumpXlated(params: { program: P.ProgramRef }): Promise<{ insns: P.XlatedInsn[] }> {
    return this.request(P.progDumpXlated, params);
  }
  progRun(params: P.ProgRunParams): Promise<P.ProgRunResult> {
    return this.request(P.progRun, params);
  }
  statsStart(): Promise<{ subscription: string; mode: P.StatsMode }> {
    return this.request0(P.statsStart);
  }
  statsStop(params: { subscription: string }): Promise<{ stopped: boolean; statsOn: boolean }> {
    return this.request(P.statsStop, params);
  }
  statsSample(): Promise<P.StatsSample> {
    return this.request0(P.statsSample);
  }

  hostPing(params: P.HostPingParams): Promise<P.HostPingResult> {
    return this.request(P.hostPing, params);
  }
  clockNow(): Promise<P.ClockNowResult> {
    return this.request0(P.clockNow);
  }
  hostSshInterface(): Promise<P.SshInterface | null> {
    return this.request0(P.hostSshInterface);
  }
  traceCounters(): Promise<P.TraceCounters> {
    return this.request0(P.traceCounters);
  }
  agentEndPrevious(params: P.AgentEndPreviousParams): Promise<{ result: 'ended' | 'gone' }> {
    return this.request(P.agentEndPrevious, params);
  }

  agentKeep(params: P.AgentKeepParams): Promise<P.AgentKeepResult> {
    return this.request(P.agentKeep, params);
  }

  traceStart(params: P.TraceStartParams): Promise<{ stream: string }> {
    return this.request(P.traceStart, params);
  }
  traceStop(params: { stream: string }): Promise<{ stopped: boolean }> {
    return this.request(P.traceStop, params);
  }

  captureStart(params: P.CaptureStartParams): Promise<CaptureInfo> {
    return this.request(P.captureStart, params);
  }
  captureStop(params: { capture: string }): Promise<CaptureSummary> {
    return this.request(P.captureStop, params);
  }

  labCreate(params: P.LabCreateParams): Promise<Lab> {
    return this.request(P.labCreate, params);
  }
  labDestroy(params: { name: string }): Promise<{ removed: string[] }> {
    return this.request(P.labDestroy, params);
  }
  labList(): Promise<Lab[]> {
    return this.request0(P.labList);
  }

  shutdown(): Promise<null> {
    return this.request0(P.shutdown);
  }

  // ---- notifications ------------------------------------------------------------------------------------------

  /** Batches of trace events (agent -> client). Filter on `params.stream` when several streams run. */
  onTraceEvents(listener: (params: P.TraceEventsParams) => void): Disposable {
    return this.onNotification(P.traceEvents, listener);
  }

  /** Packets of verdict captures (agent -> client). Filter on `params.capture`. */
  onCapturePackets(listener: (params: P.CapturePacketsParams) => void): Disposable {
    return this.onNotification(P.capturePackets, listener);
  }

  /** Problems the agent reports outside any request (agent -> client). */
  onAgentLog(listener: (params: P.AgentLogParams) => void): Disposable {
    return this.onNotification(P.agentLog, listener);
  }

  /** Fires once when the connection ends: `reason` is undefined after dispose(), an AgentError otherwise. */
  onClose(listener: (reason: AgentError | undefined) => void): Disposable {
    if (this.notified) {
      const r = this.closedWith?.reason;
      queueMicrotask(() => listener(r));
      return { dispose: () => undefined };
    }
    this.closeListeners.add(listener);
    return {
      dispose: () => {
        this.closeListeners.delete(listener);
      },
    };
  }

  /** Ends the connection (and the agent process when this client owns one). Pending requests fail. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.closedWith ??= { reason: undefined };
    this.connection.dispose();
    this.process?.stdin.end();
    this.finishClose(undefined);
  }

  // ---- plumbing -----------------------------------------------------------------------------------------------

  /** Any request of the contract, for methods added after this client was written. */
  async request<Pa, R>(type: RequestType<Pa, R, P.AgentErrorData>, params: Pa): Promise<R> {
    this.assertOpen(type.method);
    try {
      // vscode-jsonrpc's RequestParam<P> conditional type cannot be resolved for a generic P; the type ties them.
      return await this.connection.sendRequest(type, params as never);
    } catch (e) {
      throw await this.toAgentError(e, type.method);
    }
  }

  async request0<R>(type: RequestType0<R, P.AgentErrorData>): Promise<R> {
    this.assertOpen(type.method);
    try {
      return await this.connection.sendRequest(type);
    } catch (e) {
      throw await this.toAgentError(e, type.method);
    }
  }

  private onNotification<T>(type: NotificationType<T>, listener: (params: T) => void): Disposable {
    return this.connection.onNotification(type, listener);
  }

  private assertOpen(method: string): void {
    if (this.closedWith) {
      throw this.closedWith.reason ?? new AgentError(ClientErrorCode.ConnectionClosed, 'the agent connection is closed', {}, method);
    }
  }

  private async toAgentError(e: unknown, method: string): Promise<AgentError> {
    if (e instanceof ResponseError && !connectionCodes.has(e.code)) {
      const data = (e.data && typeof e.data === 'object' ? e.data : {}) as P.AgentErrorData;
      return new AgentError(e.code, e.message, data, method);
    }
    // vscode-jsonrpc rejects pending requests with its own errors when the stream ends or the connection is
    // disposed; the reason the connection closed (the agent's exit and stderr) says more.
    const msg = e instanceof Error ? e.message : String(e);
    const closed = this.closedWith ? await this.closed : undefined;
    if (closed) return new AgentError(closed.code, closed.message, closed.data, method);
    return new AgentError(ClientErrorCode.ConnectionClosed, this.disposed ? 'the agent connection was closed' : msg, {}, method);
  }

  /** The stream ended or failed, or the process exited: fail fast from now on, tell listeners once. */
  private streamEnded(reason: AgentError): void {
    if (this.disposed) return;
    this.closedWith ??= { reason };
    if (!this.processExit) {
      this.finishClose(reason);
      return;
    }
    // The stream usually ends before the process's exit is seen; its exit code and stderr explain more, so wait
    // for them (bounded: a remote process whose channel died may never report an exit).
    const grace = new Promise<undefined>((res) => {
      nodeTimers.setTimeout(() => res(undefined), EXIT_GRACE_MS).unref();
    });
    void Promise.race([this.processExit, grace]).then((exit) => this.finishClose(exit ?? reason));
  }

  private finishClose(reason: AgentError | undefined): void {
    if (this.closedWith && this.closedWith.reason !== reason && !this.disposed) this.closedWith = { reason };
    if (this.notified) return;
    this.notified = true;
    const r = this.disposed ? undefined : reason;
    this.settleClosed(r);
    // vscode-jsonrpc leaves pending requests waiting forever when the stream just ends; disposing rejects them
    // (toAgentError then reports the reason settled above).
    if (!this.disposed) this.connection.dispose();
    for (const l of this.closeListeners) l(r);
    this.closeListeners.clear();
  }
}

/** vscode-jsonrpc's own codes for a broken connection (not answers from the agent). */
const connectionCodes = new Set<number>([
  ErrorCodes.MessageWriteError,
  ErrorCodes.MessageReadError,
  ErrorCodes.PendingResponseRejected,
  ErrorCodes.ConnectionInactive,
]);
/** How long to wait, after the stream ended, for an owned process to report its exit. */
const EXIT_GRACE_MS = 2000;

function lastLine(s: string): string {
  const lines = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

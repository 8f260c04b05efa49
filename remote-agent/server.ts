// The method table: every request of protocol/agent.ts and the function that serves it. Every request's params
// are first checked against its method's schema (protocol/schemas.ts, core/paramsCheck.ts); a method without a
// schema is not served at all. Handlers then validate meaning (does the namespace exist...) and throw AgentError
// on failure; this file turns those into JSON-RPC errors, so the agent survives every bad request and keeps
// serving. At most MAX_IN_FLIGHT requests run at once; more get Busy at once instead of piling up.
import { ErrorCodes, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import * as proto from '../protocol/agent';
import { AgentErrorCode } from '../protocol/agent';
import { confirmAttachment, listRollbacks } from './safety/deadman';
import { attachCgroup } from './attach/cgroup';
import { detach } from './attach/detach';
import { attachmentsList } from './attach/list';
import { attachSkMsg } from './attach/skmsg';
import { attachTc } from './attach/tc';
import { attachTracepoints } from './attach/tracepoints';
import { attachXdp } from './attach/xdp';
import type { Captures } from './capture/captures';
import { parseAttachmentId } from './attach/attachmentId';
import type { AgentContext } from './core/context';
import { AgentError, toAgentError } from './core/errors';
import { paramsCheckOf, type ParamsCheck } from './core/paramsCheck';
import { requireObject } from './core/validate';
import { clockNow } from './host/clock';
import { hostFacts } from './host/facts';
import { hostPing } from './host/ping';
import { hostSshInterface } from './host/sshInterface';
import { readTraceCounters } from './host/traceCounters';
import { endPreviousAgent } from './host/endPrevious';
import { keepAgent } from './keep/keepAgent';
import { labCreate, labDestroy, labList } from './lab/labs';
import { listLinks, listMaps, listPrograms } from './listings/bpf';
import { cgroupList } from './listings/cgroup';
import { mapDump, progDumpXlated } from './listings/inspect';
import { netList } from './listings/net';
import { pinsList } from './listings/pins';
import { listingsSnapshot } from './listings/snapshot';
import { listObjects } from './objects/describe';
import { loadObject } from './objects/load';
import { unloadObject } from './objects/unload';
import { progRun } from './progRun/run';
import { StatsSubscriptions } from './stats/subscriptions';
import { kernelMayHaveChanged } from './listings/singleFlight';
import { TraceStreams } from './trace/streams';

type Handler = (params: unknown) => Promise<unknown>;

/** Requests in progress at once; a client never needs nearly this many, a flood gets Busy. */
export const MAX_IN_FLIGHT = 64;

export function methodTable(
  ctx: AgentContext,
  traces: TraceStreams,
  onShutdown: () => void,
  captures?: Captures,
  stats = new StatsSubscriptions(ctx),
): Record<string, Handler> {
  return {
    [proto.hello.method]: () => hostFacts(ctx),
    [proto.listPrograms.method]: () => listPrograms(ctx, true),
    [proto.listMaps.method]: () => listMaps(ctx, true),
    [proto.listLinks.method]: () => listLinks(ctx),
    [proto.netList.method]: (p) => netList(ctx, p),
    [proto.cgroupList.method]: (p) => cgroupList(ctx, p, true),
    [proto.pinsList.method]: () => pinsList(ctx),
    [proto.attachmentsList.method]: () => attachmentsList(ctx),
    [proto.listingsSnapshot.method]: (p) => listingsSnapshot(ctx, p as proto.ListingsSnapshotParams | null),
    [proto.objectLoad.method]: (p) => loadObject(ctx, p),
    [proto.objectUnload.method]: (p) => unloadObject(ctx, p),
    [proto.objectList.method]: () => listObjects(ctx),
    [proto.attachXdp.method]: (p) => attachXdp(ctx, p),
    [proto.attachTc.method]: (p) => attachTc(ctx, p),
    [proto.attachCgroup.method]: (p) => attachCgroup(ctx, p),
    [proto.attachSkMsg.method]: (p) => attachSkMsg(ctx, p),
    [proto.attachTracepoints.method]: (p) => attachTracepoints(ctx, p),
    [proto.attachConfirm.method]: async (p) => {
      const { attachment, plan } = requireObject(p, 'attach.confirm') as { attachment: string; plan?: string };
      parseAttachmentId(attachment);
      return { confirmed: await confirmAttachment(attachment, { plan }) };
    },
    [proto.detach.method]: (p) => detach(ctx, p),
    [proto.rollbacksList.method]: () => listRollbacks(),
    [proto.mapDump.method]: (p) => mapDump(ctx, p),
    [proto.progDumpXlated.method]: (p) => progDumpXlated(ctx, p),
    [proto.progRun.method]: (p) => progRun(ctx, p),
    [proto.statsStart.method]: () => stats.start(),
    [proto.statsStop.method]: (p) => stats.stop(p),
    [proto.statsSample.method]: () => stats.sample(),
    [proto.hostPing.method]: (p) => hostPing(ctx, p),
    [proto.clockNow.method]: async () => clockNow(),
    [proto.hostSshInterface.method]: () => hostSshInterface(ctx),
    [proto.traceCounters.method]: () => readTraceCounters(),
    [proto.agentEndPrevious.method]: (p) => endPreviousAgent(p),
    [proto.agentKeep.method]: (p) => {
      if (!ctx.launch) throw new AgentError(AgentErrorCode.Unsupported, 'agent.keep: this agent was not started from a bundle');
      return keepAgent({ bundle: ctx.launch.bundle, agentArgs: ctx.launch.args }, p as proto.AgentKeepParams);
    },
    [proto.traceStart.method]: (p) => traces.start(p),
    [proto.traceStop.method]: (p) => traces.stop(p),
    ...(captures
      ? {
          [proto.captureStart.method]: (p: unknown) => captures.start(p),
          [proto.captureStop.method]: (p: unknown) => captures.stop(p),
        }
      : {}),
    [proto.labCreate.method]: (p) => labCreate(ctx, p),
    [proto.labDestroy.method]: (p) => labDestroy(ctx, p),
    [proto.labList.method]: () => labList(ctx),
    // Replies first, then ends once the other requests in progress have replied too.
    [proto.shutdown.method]: async () => {
      setImmediate(onShutdown);
      return null;
    },
  };
}

/** Requests that only read: they may share a listing's bpftool run in flight (listings/singleFlight.ts). */
const READ_ONLY = new Set<string>([
  proto.hello.method,
  proto.listPrograms.method,
  proto.listMaps.method,
  proto.listLinks.method,
  proto.netList.method,
  proto.cgroupList.method,
  proto.pinsList.method,
  proto.attachmentsList.method,
  proto.listingsSnapshot.method,
  proto.objectList.method,
  proto.rollbacksList.method,
  proto.mapDump.method,
  proto.progDumpXlated.method,
  proto.labList.method,
  proto.statsSample.method,
]);

/**
 * Registers the table; returns a function that resolves once no request is in progress (for a clean shutdown).
 * Throws if a method of the table has no schema in protocol/schemas.ts: such an agent would not start.
 */
export function serve(connection: MessageConnection, table: Record<string, Handler>, maxInFlight = MAX_IN_FLIGHT): () => Promise<void> {
  const checks = new Map<string, ParamsCheck>();
  for (const method of Object.keys(table)) {
    const check = paramsCheckOf(method);
    if (!check) throw new Error(`agent method ${method} has no params schema in protocol/schemas.ts`);
    checks.set(method, check);
  }
  let pending = 0;
  let waiters: (() => void)[] = [];
  // One handler for every method, so the params arrive exactly as sent (a per-method handler would get an array
  // spread into arguments and no params replaced by a cancellation token).
  connection.onRequest(async (method: string, params: unknown) => {
    const handler = Object.hasOwn(table, method) ? table[method] : undefined;
    const check = checks.get(method);
    if (!handler || !check) return new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${method.slice(0, 100)}`);
    if (pending >= maxInFlight) {
      const e = new AgentError(
        AgentErrorCode.Busy,
        `the agent has ${pending} requests in progress (at most ${maxInFlight}); try again when some have replied`,
      );
      return new ResponseError(e.code, e.message, e.data);
    }
    const mayChangeKernel = !READ_ONLY.has(method);
    pending++;
    // listings in flight from before this request are not shared with listings asked for after it started
    if (mayChangeKernel) kernelMayHaveChanged();
    try {
      check(params);
      return await handler(params);
    } catch (err) {
      const e = toAgentError(err);
      return new ResponseError(e.code, e.message, e.data);
    } finally {
      if (mayChangeKernel) kernelMayHaveChanged();
      // let the reply be written before anybody waiting for idleness (shutdown) exits the process
      setImmediate(() => {
        if (--pending === 0) {
          for (const w of waiters) w();
          waiters = [];
        }
      });
    }
  });
  return () => (pending === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r)));
}

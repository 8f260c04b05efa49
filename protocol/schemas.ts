// One JSON Schema per agent request (TypeBox: JSON Schema, a TypeScript type and a compiled checker from one
// declaration). The agent checks every request's params against its method's schema before any handler runs
// (remote-agent/core/paramsCheck.ts), and refuses to serve a method that has none; the hostile test tier
// generates malformed params from these same schemas. `paramsOf<T>()` ties a schema to the params interface of
// protocol/agent.ts at compile time: if the two drift apart, `tsc -b` fails on that line.
//
// Adding a method: declare it in protocol/agent.ts, then add ONE line to `paramSchemas` below, e.g.
//     [agent.statsGet.method]: paramsOf<agent.StatsGetParams>()(Type.Object({ program: ProgramRef })),
// or `[agent.fooList.method]: noParams,` for a RequestType0.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import * as agent from './agent';

// ---- building blocks -----------------------------------------------------------------------------------------

/** No NUL anywhere, and not option-like (a leading '-' would be read by bpftool/ip/tc as a flag). */
const PLAIN = '^[^\\-\\u0000][^\\u0000]*$';

/** Free text: bounded, no NUL, not option-like. */
export const Text = (maxLength: number) =>
  Type.String({
    minLength: 1,
    maxLength,
    pattern: PLAIN,
    description: `a string of 1-${maxLength} characters without NUL, not starting with '-'`,
  });
/** Interface names: IFNAMSIZ-1 characters, no leading '-'. */
export const IfName = Type.String({
  maxLength: 15,
  pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.-]*$',
  description: "an interface name (1-15 letters, digits, '_', '-', '.', not starting with '-')",
});
/** `root` or a /run/netns name. */
export const Netns = Type.String({
  maxLength: 64,
  pattern: '^[A-Za-z0-9_.][A-Za-z0-9_.-]*$',
  description: "a network namespace name (1-64 letters, digits, '_', '-', '.', not starting with '-')",
});
/** Object names: pins go to /sys/fs/bpf/ebpf-netdebug/NAME. */
export const ObjectName = Type.String({
  maxLength: 64,
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_-]*$',
  description: "an object name (1-64 letters, digits, '_', '-', not starting with '-')",
});
/** Lab names: namespaces are end_NAME_ROLE. */
export const LabName = Type.String({ pattern: '^[a-z0-9]{1,8}$', description: 'a lab name (1-8 lowercase letters or digits)' });
/** A C identifier (program and map names inside an object). */
/** ProgramRef / MapRef: OBJECT/NAME, an absolute pin path, or id:N (remote-agent/objects/refs.ts resolves it). */
export const Ref = Text(4096);
/** An attachment id (remote-agent/attach/attachmentId.ts parses it). */
export const AttachmentId = Text(4200);
/** Absolute host paths. */
export const AbsolutePath = Type.String({ maxLength: 4096, pattern: '^/[^\\u0000]*$', description: 'an absolute path without NUL' });
const Int = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
/** Dead-man window in milliseconds (0: none). */
const ConfirmWithin = Int(0, 3_600_000);
/** Largest base64 object accepted by object.load (the framing cap of remote-agent/core/frameGuard.ts is above it). */
export const MAX_OBJECT_BASE64 = 30 * 1024 * 1024;

const Obj = <P extends Parameters<typeof Type.Object>[0]>(properties: P) => Type.Object(properties, { additionalProperties: false });
const Opt = Type.Optional;

/** Methods without params (RequestType0): nothing, or an empty object/array. */
export const noParams = Type.Union([Type.Undefined(), Type.Null(), Obj({}), Type.Tuple([])]);

/** Mutually assignable AND the same property names, at every level (optional properties count: a new optional param
 * in protocol/agent.ts must get its schema too). */
type SameKeys<A, B> = A extends object
  ? B extends object
    ? [keyof A] extends [keyof B]
      ? [keyof B] extends [keyof A]
        ? false extends { [K in keyof A & keyof B]: SameKeys<NonNullable<A[K]>, NonNullable<B[K]>> }[keyof A & keyof B]
          ? false
          : true
        : false
      : false
    : false
  : true;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? SameKeys<A, B> : false) : false;
/** Accepts a schema only if its static type equals T (both ways): the schema cannot drift from the interface. */
export const paramsOf =
  <T>() =>
  <S extends TSchema>(schema: S & (Same<Static<S>, T> extends true ? unknown : { schemaDiffersFrom: T })): S =>
    schema;

// ---- the params of every method ------------------------------------------------------------------------------

const PacketFilter = Obj({
  protocol: Opt(Type.Union([Type.Literal('icmp'), Type.Literal('icmp6'), Type.Literal('tcp'), Type.Literal('udp')])),
  host: Opt(Text(64)),
  src: Opt(Text(64)),
  dst: Opt(Text(64)),
  port: Opt(Int(0, 65535)),
});

/** listings.snapshot's `have`: only the part names the agent sends, each with a sha1 digest (40 lowercase hex). */
const SnapshotDigest = Type.String({ pattern: agent.SNAPSHOT_DIGEST_PATTERN, description: 'a sha1 digest (40 lowercase hex digits)' });
const SnapshotHave = {
  programs: Opt(SnapshotDigest),
  maps: Opt(SnapshotDigest),
  net: Opt(SnapshotDigest),
  cgroups: Opt(SnapshotDigest),
  pins: Opt(SnapshotDigest),
  labs: Opt(SnapshotDigest),
  attachments: Opt(SnapshotDigest),
} satisfies Record<agent.SnapshotPart, unknown>;

export const paramSchemas: Record<string, TSchema> = {
  [agent.hello.method]: paramsOf<agent.HelloParams>()(Obj({ clientName: Text(200), clientVersion: Text(200) })),
  [agent.listPrograms.method]: noParams,
  [agent.listMaps.method]: noParams,
  [agent.listLinks.method]: noParams,
  [agent.netList.method]: paramsOf<agent.NetListParams>()(Obj({ netns: Opt(Netns) })),
  [agent.cgroupList.method]: paramsOf<agent.CgroupListParams>()(Obj({ path: Opt(AbsolutePath) })),
  [agent.pinsList.method]: noParams,
  [agent.attachmentsList.method]: noParams,
  [agent.listingsSnapshot.method]: Type.Union([
    Type.Undefined(),
    Type.Null(),
    paramsOf<agent.ListingsSnapshotParams>()(Obj({ have: Opt(Obj(SnapshotHave)), deltas: Opt(Type.Boolean()) })),
  ]),
  [agent.objectLoad.method]: paramsOf<agent.ObjectLoadParams>()(
    Obj({
      object: Opt(Type.String({ minLength: 1, maxLength: MAX_OBJECT_BASE64 })),
      path: Opt(AbsolutePath),
      name: ObjectName,
      programType: Opt(Type.String({ pattern: '^[a-z_][a-z0-9_/]{0,63}$' })),
      reuseMaps: Opt(
        Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' }), Ref, { maxProperties: 64, additionalProperties: false }),
      ),
      replace: Opt(Type.Boolean()),
    }),
  ),
  [agent.objectUnload.method]: paramsOf<agent.ObjectUnloadParams>()(Obj({ name: ObjectName })),
  [agent.objectList.method]: noParams,
  [agent.attachXdp.method]: paramsOf<agent.AttachXdpParams>()(
    Obj({
      program: Ref,
      dev: IfName,
      netns: Opt(Netns),
      mode: Opt(Type.Union([Type.Literal('native'), Type.Literal('generic'), Type.Literal('offload')])),
      replace: Opt(Type.Boolean()),
      via: Opt(Type.Union([Type.Literal('bpftool'), Type.Literal('iproute2')])),
      confirmWithin: Opt(ConfirmWithin),
    }),
  ),
  [agent.attachTc.method]: paramsOf<agent.AttachTcParams>()(
    Obj({
      program: Ref,
      dev: IfName,
      netns: Opt(Netns),
      direction: Type.Union([Type.Literal('ingress'), Type.Literal('egress')]),
      via: Opt(Type.Union([Type.Literal('tc'), Type.Literal('tcx')])),
      replace: Opt(Type.Boolean()),
      confirmWithin: Opt(ConfirmWithin),
    }),
  ),
  [agent.attachCgroup.method]: paramsOf<agent.AttachCgroupParams>()(
    Obj({
      program: Ref,
      cgroup: Text(4096),
      type: Type.String({ pattern: '^[a-z0-9_]{1,32}$' }),
      create: Opt(Type.Boolean()),
    }),
  ),
  [agent.attachSkMsg.method]: paramsOf<agent.AttachSkMsgParams>()(Obj({ program: Ref, map: Ref, type: Opt(Type.Literal('msg_verdict')) })),
  [agent.attachTracepoints.method]: paramsOf<agent.AttachTracepointsParams>()(Obj({ object: ObjectName })),
  [agent.attachConfirm.method]: paramsOf<agent.AttachConfirmParams>()(
    Obj({
      attachment: AttachmentId,
      plan: Opt(Type.String({ pattern: '^[0-9a-f]{16}$', description: 'a plan token (16 hex digits)' })),
    }),
  ),
  [agent.detach.method]: paramsOf<agent.DetachParams>()(Obj({ attachment: AttachmentId })),
  [agent.rollbacksList.method]: noParams,
  [agent.mapDump.method]: paramsOf<agent.MapDumpParams>()(Obj({ map: Ref, limit: Opt(Int(1, 1_000_000)) })),
  [agent.progDumpXlated.method]: paramsOf<{ program: agent.ProgramRef }>()(Obj({ program: Ref })),
  [agent.progRun.method]: paramsOf<agent.ProgRunParams>()(
    Obj({
      program: Ref,
      // hex (whitespace allowed between bytes; remote-agent/progRun/run.ts checks the length in bytes)
      packet: Type.String({ minLength: 1, maxLength: 4 * 65536, pattern: '^[0-9a-fA-F\\s:]*$', description: 'hex digits, two per byte' }),
      repeat: Opt(Int(1, 1_000_000)),
      runs: Opt(Int(1, 10_000)),
    }),
  ),
  [agent.hostPing.method]: paramsOf<agent.HostPingParams>()(Obj({ target: Text(255), count: Opt(Int(1, 20)), waitS: Opt(Int(1, 10)) })),
  [agent.clockNow.method]: noParams,
  [agent.statsStart.method]: noParams,
  [agent.statsStop.method]: paramsOf<{ subscription: string }>()(Obj({ subscription: Text(128) })),
  [agent.statsSample.method]: noParams,
  [agent.captureStart.method]: paramsOf<agent.CaptureStartParams>()(
    Obj({
      attachment: AttachmentId,
      object: Type.String({ minLength: 1, maxLength: MAX_OBJECT_BASE64 }),
      program: Opt(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$', description: 'a program name (a C identifier)' })),
      filter: Opt(PacketFilter),
      snapLength: Opt(Int(0, 4096)),
      leaseMs: Opt(Int(3000, 600_000)),
    }),
  ),
  [agent.captureStop.method]: paramsOf<{ capture: string }>()(Obj({ capture: Text(128) })),
  [agent.traceCounters.method]: noParams,
  [agent.hostSshInterface.method]: noParams,
  [agent.agentEndPrevious.method]: paramsOf<agent.AgentEndPreviousParams>()(Obj({ pid: Int(2, 4_194_304), bundle: AbsolutePath })),
  [agent.agentKeep.method]: paramsOf<agent.AgentKeepParams>()(Obj({ idleSeconds: Int(1, 86_400) })),
  [agent.traceStart.method]: paramsOf<agent.TraceStartParams>()(
    Obj({
      source: Type.Union([Type.Literal('trace_pipe'), Type.Literal('perf_array'), Type.Literal('packet_path')]),
      // a substring or /regex/: may start with '-' ("->"), so only NUL is refused
      filter: Opt(Type.String({ maxLength: 1000, pattern: '^[^\\u0000]*$' })),
      packetFilter: Opt(PacketFilter),
      packetBytes: Opt(Int(0, 256)),
      netnsScope: Opt(Type.Union([Type.Literal('all'), Type.Literal('own')])),
      map: Opt(Ref),
      batch: Opt(Obj({ maxEvents: Opt(Int(1, 100_000)), maxDelayMs: Opt(Type.Number({ minimum: 1, maximum: 10_000 })) })),
      columns: Opt(Type.Boolean()),
    }),
  ),
  [agent.traceStop.method]: paramsOf<{ stream: string }>()(Obj({ stream: Text(128) })),
  [agent.labCreate.method]: paramsOf<agent.LabCreateParams>()(
    Obj({
      name: LabName,
      topology: Obj({
        kind: Type.Union([Type.Literal('pair'), Type.Literal('bridge')]),
        ipv6: Opt(Type.Boolean()),
        rootLink: Opt(Type.Boolean()),
      }),
    }),
  ),
  [agent.labDestroy.method]: paramsOf<{ name: string }>()(Obj({ name: LabName })),
  [agent.labList.method]: noParams,
  [agent.shutdown.method]: noParams,
};

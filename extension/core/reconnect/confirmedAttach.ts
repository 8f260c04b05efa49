// The client half of the dead-man switch (docs/ssh.md "Dead-man switch"). An XDP or tc attach on the interface
// that carries our SSH session can cut us off; so by default such an attach asks the agent to arm a watchdog, then
// proves the connection still works with a FRESH round trip (a new exec channel on the connection, which needs
// new packets both ways through the interface) before confirming. If that round trip fails, the client waits for
// the session to reconnect and reports the watchdog's rollback record.
import type { AttachTcParams, AttachXdpParams, RollbackRecord } from '../../../protocol/agent';
import type { Attachment } from '../../../protocol/types';
import type { Session } from '../session';

export interface ConfirmPolicy {
  /** `--no-confirm`: never arm the watchdog. */
  noConfirm?: boolean;
  /** `--confirm-within S` (here in ms): always arm it with this window, whatever the interface. */
  confirmWithinMs?: number;
  /** Window used when confirmation is on by default (the SSH interface). Default 15000 ms. */
  defaultWithinMs?: number;
  /** How long the fresh round trip may take. Default: a third of the window, at most 5000 ms. */
  roundTripTimeoutMs?: number;
  /**
   * The fresh round trip: `agent` (default) sends agent.hello on the agent's channel; `exec` opens a new exec
   * channel. Both need new packets in both directions through the interface after the attach; `agent` is one
   * request instead of a process start on the host.
   */
  roundTrip?: 'agent' | 'exec';
}

export type ConfirmOutcome =
  /** No confirmation was asked for (not the SSH interface, local host, or --no-confirm). */
  | { status: 'not-needed'; attachment: Attachment }
  /** The round trip worked and the agent disarmed the watchdog: the program stays. */
  | { status: 'confirmed'; attachment: Attachment; withinMs: number }
  /** The connection broke; after reconnecting the watchdog's record says it detached the program. */
  | { status: 'rolled-back'; attachment: Attachment | undefined; withinMs: number; record: RollbackRecord | undefined; message: string };

import type { SshInterface } from '../../../protocol/agent';
export type { SshInterface } from '../../../protocol/agent';

const DEFAULT_WITHIN_MS = 15_000;

/**
 * The interface the host uses to reach us, as the agent finds it (host.sshInterface: SSH_CONNECTION of its login and
 * `ip route get` to the client address). null when unknown (then nothing is assumed).
 */
export async function findSshInterface(session: Session): Promise<SshInterface | null> {
  return session.client.hostSshInterface();
}

/** The window to ask for, or 0: explicit settings win, else on by default for the interface carrying SSH. */
export async function confirmWindowFor(session: Session, dev: string, netns: string | undefined, policy: ConfirmPolicy): Promise<number> {
  if (policy.noConfirm) return 0;
  if (policy.confirmWithinMs !== undefined) {
    if (!Number.isInteger(policy.confirmWithinMs) || policy.confirmWithinMs < 0 || policy.confirmWithinMs > 3_600_000) {
      throw new RangeError(`confirmWithin: ${policy.confirmWithinMs} ms is not between 0 and 3600 s`);
    }
    return policy.confirmWithinMs;
  }
  if (session.isLocal) return 0;
  // An attach inside another namespace (netns given and not the login's own) cannot be on the SSH interface.
  if (netns !== undefined && netns !== '' && netns !== 'root') return 0;
  // Learned while deploying (same round trip as the other probes); asked again only if that did not work.
  const ssh = session.deployment?.sshInterface ?? (await findSshInterface(session).catch(() => null));
  return ssh && ssh.dev === dev ? (policy.defaultWithinMs ?? DEFAULT_WITHIN_MS) : 0;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** What the workflow tells while confirming, and how it names the attach ("xdp_drop_ping on eth0"). */
export interface ConfirmHooks {
  progress?(message: string): void;
  what?: string;
}

/** After attaching with a window: confirm over a fresh round trip, or wait for the reconnect and report the rollback. */
async function confirmOrReport(
  session: Session,
  attachment: Attachment | undefined,
  withinMs: number,
  startedAt: number,
  policy: ConfirmPolicy,
  hooks: ConfirmHooks,
): Promise<ConfirmOutcome> {
  const rtt = policy.roundTripTimeoutMs ?? Math.min(5000, Math.max(500, Math.floor(withinMs / 3)));
  const what = describeAttach(attachment, hooks.what);
  const say = (m: string) => hooks.progress?.(m);
  if (attachment && session.state === 'connected') {
    say(`confirming ${session.host} still answers (a new round trip within ${rtt / 1000} s)`);
    try {
      const fresh =
        policy.roundTrip === 'exec'
          ? (await withTimeout(session.transport.exec(['true']), rtt, 'fresh round trip')).code === 0
          : !!(await withTimeout(session.client.hello(), rtt, 'fresh round trip (agent.hello)'));
      if (fresh) {
        const r = await withTimeout(
          session.client.attachConfirm({ attachment: attachment.id, plan: attachment.pendingConfirmation?.plan }),
          rtt,
          'attach.confirm',
        );
        if (r.confirmed) return { status: 'confirmed', attachment, withinMs };
        // Too late: the watchdog claimed the plan first.
        return reportRollback(session, attachment, what, withinMs);
      }
    } catch {
      // The link does not answer: the program probably cut it. Fall through and wait for the reconnect.
    }
  }
  const left = Math.max(0, Math.round((startedAt + withinMs - Date.now()) / 1000));
  say(
    `${session.host} does not answer since attaching ${what}: unless the attach can be confirmed, the host undoes it within ${left} s; waiting for the connection`,
  );
  await waitForWorkingLink(session, startedAt + withinMs);
  // Working again before the deadline (the link only hiccuped)? This round trip proves it: confirm now.
  if (attachment && Date.now() < startedAt + withinMs) {
    const r = await withTimeout(
      session.client.attachConfirm({ attachment: attachment.id, plan: attachment.pendingConfirmation?.plan }),
      rtt,
      'attach.confirm',
    ).catch(() => ({ confirmed: false }));
    if (r.confirmed) return { status: 'confirmed', attachment, withinMs };
  }
  say(`connected again; asking the host's watchdog what it did with ${what}`);
  return reportRollback(session, attachment, what, withinMs);
}

/** "xdp_drop_ping (prog 864) on eth0": the program by name and the interface, not the attachment id. */
function describeAttach(a: Attachment | undefined, fallback: string | undefined): string {
  if (a?.progName && a.dev)
    return `${a.progName}${a.progId ? ` (prog ${a.progId})` : ''} on ${a.dev}${a.netns && a.netns !== 'root' ? ` in netns ${a.netns}` : ''}`;
  return fallback ?? a?.id ?? 'the program';
}

/**
 * Waits until the session works again: either it reconnected (a new client after the keepalives declared the old
 * link dead), or, once the deadline has passed and the watchdog had its chance, the old link answers again.
 */
async function waitForWorkingLink(session: Session, deadline: number): Promise<void> {
  const old = session.client;
  const giveUp = deadline + 120_000;
  while (Date.now() < giveUp) {
    if (session.state === 'disconnected') throw new Error(`lost ${session.host} and could not reconnect`);
    if (session.state === 'connected' && session.client !== old) return;
    if (session.state === 'connected' && Date.now() > deadline) {
      const ok = await withTimeout(session.client.hello(), 2000, 'round trip').then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    // Woken by the reconnect, or after a short while to check the old link again.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 250);
      const off = session.onStateChange(done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  }
  throw new Error(
    `${session.host} did not answer again within ${Math.round((giveUp - deadline) / 1000)} s after the confirmation deadline`,
  );
}

async function reportRollback(
  session: Session,
  attachment: Attachment | undefined,
  what: string,
  withinMs: number,
): Promise<ConfirmOutcome> {
  // The watchdog fires at the deadline; give its record a moment to land. Only records this session has not shown
  // yet count (the host keeps every record), so an old rollback is never reported as this one.
  let record: RollbackRecord | undefined;
  for (let i = 0; i < 20 && !record; i++) {
    const records = await session.unseenRollbacks().catch(() => [] as RollbackRecord[]);
    record = records.filter((r) => !attachment || r.attachment === attachment.id).pop();
    if (!record) await new Promise((r) => setTimeout(r, 500));
  }
  if (record) session.markRollbacksSeen([record]);
  const message = record
    ? `${what} was ROLLED BACK by the host's watchdog: ${record.reason}${record.ok ? '' : ' -- check the host by hand'}`
    : `the connection broke after attaching ${what} and no confirmation could be sent; no rollback record was found (the attach may not have happened)`;
  return { status: 'rolled-back', attachment, withinMs, record, message };
}

async function attachConfirmed(
  session: Session,
  dev: string,
  netns: string | undefined,
  policy: ConfirmPolicy,
  hooks: ConfirmHooks,
  attach: (confirmWithin: number | undefined) => Promise<Attachment>,
): Promise<ConfirmOutcome> {
  const withinMs = await confirmWindowFor(session, dev, netns, policy);
  if (withinMs === 0) return { status: 'not-needed', attachment: await attach(undefined) };
  // While this attach waits for its confirmation, a rollback the session finds on reconnecting is this command's
  // to report (once, naming the program), not the session's general warning.
  const release = session.holdRollbacks();
  try {
    const startedAt = Date.now();
    let attachment: Attachment | undefined;
    try {
      attachment = await attach(withinMs);
    } catch (e) {
      // The reply may be lost with the connection; an agent error (bad argument, verifier) is a plain failure.
      if (session.state === 'connected' && !session.client.isClosed) throw e;
    }
    return await confirmOrReport(session, attachment, withinMs, startedAt, policy, hooks);
  } finally {
    release();
  }
}

/** attach.xdp with the dead-man switch decided by `policy` (default: on for the SSH interface). */
export function attachXdpConfirmed(
  session: Session,
  params: Omit<AttachXdpParams, 'confirmWithin'>,
  policy: ConfirmPolicy = {},
  hooks: ConfirmHooks = {},
): Promise<ConfirmOutcome> {
  return attachConfirmed(session, params.dev, params.netns, policy, hooks, (confirmWithin) =>
    session.client.attachXdp({ ...params, confirmWithin }),
  );
}

/** attach.tc with the dead-man switch decided by `policy` (default: on for the SSH interface). */
export function attachTcConfirmed(
  session: Session,
  params: Omit<AttachTcParams, 'confirmWithin'>,
  policy: ConfirmPolicy = {},
  hooks: ConfirmHooks = {},
): Promise<ConfirmOutcome> {
  return attachConfirmed(session, params.dev, params.netns, policy, hooks, (confirmWithin) =>
    session.client.attachTc({ ...params, confirmWithin }),
  );
}

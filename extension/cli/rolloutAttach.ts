// `attach xdp|tc ... --hosts H1,H2,... --rollout canary [--health-ping ADDR] [--wave N]`: the rollout engine of
// core/fleet/rollout.ts driven by the single-host commands: each host's attach is the ordinary `attach` (compile for
// that host, load, attach) with its own dead-man switch always armed (--confirm-within, default 15 s, confirmed over
// a fresh round trip); the health probe is `host.ping` run on that host; undo is the ordinary `detach` (which also
// unloads the object it loaded). The first failure stops the rollout and undoes what it attached.
import type { HostPingResult } from '../../protocol/agent';
import { rollout } from '../core/fleet/rollout';
import { CliError, usageError } from './cliError';
import type { FleetOptions } from './fleetOptions';
import { captureIo, parseJsonDocuments, printSummary, type Command, type DescribeFailure } from './fleetRun';
import { withSession } from './hostSession';
import type { CliContext } from './io';

const DEFAULT_CONFIRM_S = '15';

function takeValue(argv: string[], option: string): { value?: string; argv: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === option || a.startsWith(`${option}=`)) {
      const v = a === option ? argv[++i] : a.slice(option.length + 1);
      if (!v || (a === option && v.startsWith('-'))) throw usageError(`attach: ${option} needs a value`);
      value = v;
      continue;
    }
    rest.push(a);
  }
  return { value, argv: rest };
}

/** Whether argv asks for a rollout (then the rollout options are taken out here). */
export function wantsRollout(argv: string[]): boolean {
  return argv.some((a) => a === '--rollout' || a.startsWith('--rollout='));
}

export async function rolloutAttach(
  attach: Command,
  detach: Command,
  argv0: string[],
  ctx: CliContext,
  fleet: FleetOptions,
  describe: DescribeFailure,
): Promise<number> {
  const r = takeValue(argv0, '--rollout');
  if (r.value !== 'canary') throw usageError(`attach: --rollout ${r.value}: expected canary`);
  const ping = takeValue(r.argv, '--health-ping');
  const wave = takeValue(ping.argv, '--wave');
  let argv = wave.argv;
  const kind = argv[0];
  if (kind !== 'xdp' && kind !== 'tc')
    throw usageError(`attach ${kind ?? ''}: --rollout applies to xdp and tc (the attaches with a dead-man switch)`);
  if (argv.includes('--no-confirm'))
    throw usageError("attach: --rollout keeps every host's dead-man switch; --no-confirm does not go with it");
  const waveSize = wave.value === undefined ? (fleet.bounds.concurrency ?? 10) : Number(wave.value);
  if (!Number.isInteger(waveSize) || waveSize < 1 || waveSize > 1000)
    throw usageError(`--wave ${wave.value}: expected a whole number from 1 to 1000`);
  if (ping.value !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(ping.value))
    throw usageError(`--health-ping ${ping.value}: expected an address or host name`);
  if (!argv.some((a) => a === '--confirm-within' || a.startsWith('--confirm-within=')))
    argv = [...argv, '--confirm-within', DEFAULT_CONFIRM_S];
  const json = argv.includes('--json');
  if (!json) argv = [...argv, '--json'];
  const specOf = new Map(fleet.hosts.map((h) => [h.name, h.spec]));
  const say = (line: string) => {
    if (!json) ctx.io.out(`${line}\n`);
  };

  const report = await rollout<{ id: string; progId?: number; confirmation?: unknown }>(
    fleet.hosts.map((h) => h.name),
    {
      attach: async (host) => {
        const io = captureIo();
        try {
          const code = await attach([...argv, '--host', specOf.get(host)!], { ...ctx, io });
          if (code !== 0) throw new CliError(io.errText().trim() || `attach exited ${code}`);
        } catch (e) {
          throw new Error(describe(e).line);
        }
        const doc = parseJsonDocuments(io.outText())[0] as { id?: string; progId?: number; confirmation?: unknown } | undefined;
        if (!doc?.id) throw new Error('attach printed no attachment id');
        return { id: doc.id, progId: doc.progId, confirmation: doc.confirmation };
      },
      check:
        ping.value === undefined
          ? undefined
          : async (host) => {
              const res: HostPingResult = await withSession(ctx, specOf.get(host)!, (s) =>
                s.client.hostPing({ target: ping.value!, count: 3, waitS: 2 }),
              );
              if (res.received === 0)
                throw new Error(`health probe: ping ${ping.value} from ${host}: ${res.received} of ${res.sent} answered`);
            },
      undo: async (host, a) => {
        const io = captureIo();
        try {
          const code = await detach([a.id, '--json', '--host', specOf.get(host)!], { ...ctx, io });
          if (code !== 0) throw new CliError(io.errText().trim() || `detach exited ${code}`);
        } catch (e) {
          throw new Error(describe(e).line);
        }
      },
    },
    {
      waveSize,
      onEvent: (e) => {
        switch (e.type) {
          case 'wave':
            say(`wave ${e.wave}${e.wave === 0 ? ' (canary)' : ''}: ${e.hosts.join(', ')}`);
            break;
          case 'attached':
            say(`  ${e.host}: attached ${e.attached.id}${e.attached.progId ? ` (prog ${e.attached.progId})` : ''}, dead-man confirmed`);
            break;
          case 'checked':
            say(`  ${e.host}: health probe ok (ping ${ping.value})`);
            break;
          case 'failed':
            say(`  ${e.host}: FAILED at ${e.stage}: ${e.error.message}`);
            break;
          case 'undone':
            say(`  ${e.host}: ${e.ok ? 'detached (rollout undone)' : `could NOT detach: ${e.error?.message}`}`);
            break;
        }
      },
    },
  );
  if (json) {
    const attachedHosts = new Set(report.attached.map((a) => a.host));
    for (const h of fleet.hosts) {
      const att = report.attached.find((a) => a.host === h.name);
      const fail = report.failures.find((f) => f.host === h.name);
      const undo = report.undone.find((u) => u.host === h.name);
      ctx.io.out(
        `${JSON.stringify({
          host: h.name,
          state: attachedHosts.has(h.name)
            ? 'attached'
            : fail
              ? 'failed'
              : undo?.ok
                ? 'undone'
                : report.notTried.includes(h.name)
                  ? 'not-tried'
                  : 'unknown',
          ...(att ? { attachment: att.attached } : {}),
          ...(fail ? { stage: fail.stage, error: fail.error.message } : {}),
          ...(undo && !undo.ok ? { undoError: undo.error?.message } : {}),
        })}\n`,
      );
    }
  } else {
    say(
      report.status === 'completed'
        ? `rollout completed on ${report.attached.length} host(s)`
        : `rollout STOPPED: ${report.failures.map((f) => `${f.host} (${f.stage})`).join(', ')}; undone on ${report.undone.filter((u) => u.ok).length} host(s)${report.notTried.length ? `; not tried: ${report.notTried.join(', ')}` : ''}`,
    );
  }
  const items = fleet.hosts.map((h) => {
    const f = report.failures.find((x) => x.host === h.name);
    const u = report.undone.find((x) => x.host === h.name && !x.ok);
    return {
      host: h.name,
      failure: f
        ? `${f.stage}: ${f.error.message}`
        : u
          ? `undo failed: ${u.error?.message}`
          : report.status === 'stopped' && report.notTried.includes(h.name)
            ? 'not tried (rollout stopped)'
            : undefined,
    };
  });
  const code = printSummary(items, ctx.io);
  return report.status === 'completed' ? code : 1;
}

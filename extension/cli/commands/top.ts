// `ebpf-netdebug top --host H [--interval S] [--duration S] [--json]`: the host's BPF programs by CPU share, like
// bpftop but without a TUI. While it runs the agent keeps the kernel's run-time statistics on (stats.start); they go
// off again when it ends (Ctrl-C, --duration, or the connection dropping: the agent dies and the kernel releases
// them). A terminal gets a table redrawn every interval; otherwise one table per interval is appended. --json: one
// JSON object per program per interval: at, id, name, type, runsPerSec, avgNs, cpuPercent, attachedTo.
import { StatsWatch, type StatsTick } from '../../core/stats/statsWatch';
import { commonOptions, hostOptions, parseCommand, positiveNumber, requireHost } from '../args';
import { CliError, usageError } from '../cliError';
import { withSession } from '../hostSession';
import type { CliContext } from '../io';
import { table } from '../output';

export function formatTop(t: StatsTick, host: string): string {
  const active = t.rates.filter((r) => r.runsPerSec > 0);
  const idle = t.rates.length - active.length;
  const rows = active.map((r) => [r.id, r.name, r.type, r.runsPerSec, r.avgNs, r.cpuPercent.toFixed(3), r.attachedTo.join(', ')]);
  const head = `${host}: ${t.rates.length} programs, ${active.length} ran in the last ${t.intervalS.toFixed(1)} s (${new Date(t.at).toISOString().slice(11, 19)} UTC)\n`;
  return (
    head +
    (rows.length ? table(['ID', 'NAME', 'TYPE', 'RUNS/S', 'AVG NS', 'CPU %', 'ATTACHED TO'], rows) : '') +
    (idle ? `(${idle} idle)\n` : '')
  );
}

export async function topCommand(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand('top', argv, {
    ...commonOptions,
    ...hostOptions,
    interval: { type: 'string' },
    duration: { type: 'string' },
  });
  if (positionals.length) throw usageError(`top: unexpected argument ${positionals[0]}`);
  const interval = positiveNumber('--interval', values.interval) ?? 1;
  if (interval < 0.1 || interval > 3600) throw usageError(`--interval ${values.interval}: expected 0.1..3600 seconds`);
  const duration = positiveNumber('--duration', values.duration);
  const host = requireHost('top', values.host, ctx.env);
  // redraw in place only on a terminal; a pipe or a file gets every table, one after the other
  const redraw = !values.json && process.stdout.isTTY === true;
  let failure: unknown;
  await withSession(ctx, host, async (s) => {
    let failed!: () => void;
    const failedNow = new Promise<void>((r) => {
      failed = r;
    });
    const watch = new StatsWatch(
      s.client,
      interval * 1000,
      (t) => {
        if (values.json) {
          const at = new Date(t.at).toISOString();
          for (const r of t.rates) {
            ctx.io.out(
              `${JSON.stringify({ at, id: r.id, name: r.name, type: r.type, runsPerSec: r.runsPerSec, avgNs: r.avgNs, cpuPercent: r.cpuPercent, attachedTo: r.attachedTo })}\n`,
            );
          }
        } else {
          if (redraw) ctx.io.clearScreen?.();
          ctx.io.out(`${formatTop(t, host)}${redraw ? '' : '\n'}`);
        }
      },
      (e) => {
        failure = e;
        failed();
      },
    );
    const mode = await watch.start();
    if (!values.json)
      ctx.io.err(
        `top: statistics on (${mode === 'fd' ? 'BPF_ENABLE_STATS held by the agent' : mode === 'sysctl' ? 'kernel.bpf_stats_enabled, restored when top ends' : 'they were on already'}); Ctrl-C to stop\n`,
      );
    let timer: NodeJS.Timeout | undefined;
    const stops = [ctx.interrupted(), failedNow];
    if (duration)
      stops.push(
        new Promise<void>((r) => {
          timer = setTimeout(r, duration * 1000);
        }),
      );
    await Promise.race(stops);
    if (timer) clearTimeout(timer);
    await watch.stop();
  });
  if (failure) throw new CliError(`top: ${(failure as Error).message ?? String(failure)}`);
  return 0;
}

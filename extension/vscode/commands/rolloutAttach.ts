// "Roll Out to Hosts...": one XDP attach across a group of hosts, the CLI's canary rollout (core/fleet/rollout.ts,
// `attach ... --hosts ... --rollout canary`) from the editor. The hosts are the host rows selected in the tree (or
// picked); the first host alone, then the rest in waves; each host's attach is the attach workflow every attach
// command runs (compiled for that host, its own dead-man switch always armed and confirmed over a fresh round
// trip), then the optional health probe (a ping from that host). The first failure stops the rollout and detaches
// what this rollout attached. Progress in one notification, a summary at the end, every step in the log.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { XdpMode } from '../../../protocol/types';
import { attachWorkflow, type AttachResult } from '../../core/attach/attachWorkflow';
import type { CompileHook } from '../../core/attach/preparedObject';
import { compileForHost } from '../../core/compile/compileForHost';
import { rollout, type RolloutEvent, type RolloutReport } from '../../core/fleet/rollout';
import type { Ctx } from '../context';
import { Cancelled } from '../errors';
import { hostsOfArgs, rolloutSummary } from '../hostsModel';
import type { HostSetting } from '../settingsModel';
import { includeDirsFor } from '../tasks/taskProvider';
import { vmlinuxCacheDir } from '../tasks/target';
import { chooseMode } from './attach';
import { chooseObject, showVerifierRejection } from './objectSource';
import type { CommandFactory } from './table';

/** The window of each host's dead-man switch when ebpfNetDebug.confirmWithin is 0: a rollout always keeps it. */
const ROLLOUT_CONFIRM_S = 15;

export const rolloutAttachCommand: CommandFactory = {
  enabled:
    (ctx) =>
    async (...args: unknown[]) => {
      const hosts = await chooseHosts(ctx, args);
      const choice = await chooseObject(ctx, undefined, 'Roll Out to Hosts');
      const dev = await vscode.window.showInputBox({
        title: 'Roll Out to Hosts: interface',
        prompt: 'The interface to attach XDP to on every host',
        value: 'eth0',
        validateInput: (v) => (/^[A-Za-z0-9_.:@-]{1,15}$/.test(v) ? undefined : 'An interface name (1-15 characters)'),
      });
      if (!dev) throw new Cancelled();
      const mode: XdpMode = await chooseMode(ctx);
      const ping = await vscode.window.showInputBox({
        title: 'Roll Out to Hosts: health probe',
        prompt: 'After each attach, ping this address from the host (3 pings, one answer is enough); empty: no probe',
        validateInput: (v) => (v === '' || /^[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(v) ? undefined : 'An address or host name'),
      });
      if (ping === undefined) throw new Cancelled();
      return runRollout(ctx, hosts, { file: choice.file, program: choice.program, dev, mode, ping: ping || undefined });
    },
};

async function chooseHosts(ctx: Ctx, args: unknown[]): Promise<HostSetting[]> {
  const configured = ctx.settings.values.hosts;
  // In the order of the settings, whatever order the rows were clicked in: the first is the canary.
  const rows = hostsOfArgs(args);
  const named = configured.filter((h) => rows.includes(h.name));
  if (named.length) return named;
  const picked = await vscode.window.showQuickPick(
    configured.map((h) => ({ label: h.name, description: h.target, picked: !!ctx.sessionOf(h.name), host: h })),
    { title: 'Roll Out to Hosts', placeHolder: 'The hosts to attach on (the first is the canary)', canPickMany: true },
  );
  if (!picked?.length) throw new Cancelled();
  return picked.map((p) => p.host);
}

export interface RolloutRequest {
  file: string;
  program?: string;
  dev: string;
  mode: XdpMode;
  ping?: string;
}

async function runRollout(ctx: Ctx, hosts: HostSetting[], req: RolloutRequest): Promise<RolloutReport<AttachResult>> {
  const what = `${req.file.split('/').pop()} on ${req.dev}`;
  const withinMs = (ctx.settings.values.confirmWithin || ROLLOUT_CONFIRM_S) * 1000;
  const report = await vscode.window.withProgress(
    // Not cancellable: stopping halfway would leave hosts attached that no undo follows.
    { location: vscode.ProgressLocation.Notification, title: `eBPF: rolling out ${what}`, cancellable: false },
    async (progress) => {
      const say = (m: string) => {
        progress.report({ message: m });
        ctx.log.info(`rollout: ${m}`);
      };
      const none = new vscode.CancellationTokenSource();
      const opened = await ctx.connectMany(hosts, (m) => ctx.log.info(`rollout: ${m}`), none.token);
      none.dispose();
      const unreachable = opened.filter((r) => !r.ok);
      if (unreachable.length) {
        throw new Error(
          `Roll Out to Hosts: not started, ${unreachable.map((r) => `${r.host} is unreachable (${r.ok ? '' : r.error.message})`).join('; ')}`,
        );
      }
      const tmp = mkdtempSync(join(tmpdir(), 'ebpf-rollout-'));
      let chosenProgram = req.program;
      try {
        return await rollout<AttachResult>(
          hosts.map((h) => h.name),
          {
            attach: async (host) => {
              const s = ctx.sessionOf(host);
              if (!s) throw new Error(`${host} is not connected`);
              return attachWorkflow(
                s.engine,
                {
                  kind: 'xdp',
                  command: `Roll Out to ${host}`,
                  object: { file: req.file, compile: compileInto(ctx, join(tmp, host)) },
                  program: chosenProgram,
                  target: { dev: req.dev, mode: req.mode, replace: true },
                  confirm: { confirmWithinMs: withinMs },
                },
                {
                  progress: (m) => say(`${host}: ${m}`),
                  // Asked once (on the canary): the other hosts attach the same program.
                  chooseProgram: async (fit) => {
                    const pick = await vscode.window.showQuickPick(
                      fit.map((p) => ({ label: p.name, description: p.section, p })),
                      { title: 'Which program?' },
                    );
                    if (!pick) throw new Cancelled();
                    chosenProgram = pick.p.name;
                    return pick.p;
                  },
                  loadRejected: (e, obj) => showVerifierRejection(ctx, e, obj),
                },
              );
            },
            check: req.ping
              ? async (host) => {
                  const s = ctx.sessionOf(host);
                  if (!s) throw new Error(`${host} is not connected`);
                  const r = await s.client.hostPing({ target: req.ping!, count: 3, waitS: 2 });
                  if (r.received === 0) throw new Error(`health probe: ping ${req.ping} from ${host}: ${r.received} of ${r.sent} answered`);
                }
              : undefined,
            undo: async (host, a) => {
              const s = ctx.sessionOf(host);
              if (!s) throw new Error(`${host} is not connected`);
              await s.client.detach({ attachment: a.attachment.id });
              // The object this rollout loaded goes too (one it found loaded stays: somebody else's).
              if (a.loadedNow) await s.client.objectUnload({ name: a.object });
            },
          },
          { waveSize: ctx.settings.values.connectConcurrency, onEvent: (e) => say(eventLine(e)) },
        );
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
  await ctx.kernelStateChanged();
  const summary = rolloutSummary(what, report);
  ctx.log.info(`rollout: ${summary}`);
  const shown =
    report.status === 'completed' ? vscode.window.showInformationMessage(summary) : vscode.window.showWarningMessage(summary, 'Show Log');
  void shown.then((a) => {
    if (a === 'Show Log') ctx.log.show();
  });
  return report;
}

function eventLine(e: RolloutEvent<AttachResult>): string {
  switch (e.type) {
    case 'wave':
      return `wave ${e.wave}${e.wave === 0 ? ' (canary)' : ''}: ${e.hosts.join(', ')}`;
    case 'attached':
      return `${e.host}: attached ${e.attached.program ?? e.attached.object}${e.attached.attachment.progId ? ` #${e.attached.attachment.progId}` : ''}, dead-man confirmed`;
    case 'checked':
      return `${e.host}: health probe ok`;
    case 'failed':
      return `${e.host}: FAILED at ${e.stage}: ${e.error.message}`;
    case 'undone':
      return `${e.host}: ${e.ok ? 'detached (rollout undone)' : `could NOT detach: ${e.error?.message}`}`;
  }
}

/**
 * Each host's compile: clang here for that host's kernel (its own vmlinux.h) into a file of its own, since the
 * hosts of one wave compile at the same time (the build task writes one output per source).
 */
function compileInto(ctx: Ctx, output: string): CompileHook {
  return async (source, target) => {
    const s = ctx.settings.values;
    const shipped = join(ctx.extension.extensionPath, 'bpf/include');
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(source));
    const includeDirs = includeDirsFor(ctx, source, folder).filter((d) => d !== shipped);
    const r = await compileForHost({
      source,
      output: `${output}.o`,
      host: target,
      vmlinuxCacheDir: vmlinuxCacheDir(ctx),
      includeDirs,
      extraArgs: s.compileExtraFlags,
      clang: s.clangPath,
      bpfIncludeDir: shipped,
    });
    if (!r.ok) {
      ctx.log.error(`rollout: clang ${r.argv.join(' ')}\n${r.stderr}`);
      throw new Error(
        `${source.split('/').pop()} did not compile (${r.diagnostics.filter((d) => d.severity === 'error').length} errors; see the log)`,
      );
    }
    return { bytes: readFileSync(`${output}.o`), includeDirs: [...includeDirs, shipped] };
  };
}

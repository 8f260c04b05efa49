// The command table: command id -> factory (../shared/docs/STYLE.md #6). Every command of the extension is here,
// the webviews' too (their handlers come from extension/vscode/webviews/), so each gets the same error reporting.
import type { CommandFactory } from './table';
import type { WebviewCommands } from '../webviews/index';
import { cleanHostCommand } from './cleanHost';
import { connectAllCommand, connectCommand, disconnectCommand } from './connect';
import { rolloutAttachCommand } from './rolloutAttach';
import { hostOfArg } from '../hostsModel';
import { attachSockopsCommand, attachTcCommand, attachXdpCommand, attachXdpEth0Command } from './attach';
import { detachCommand, showXlatedCommand, unpinCommand } from './detach';
import { compileCommand } from './compile';
import { loadObjectCommand } from './load';
import { createLabCommand, destroyLabCommand } from './lab';
import { captureVerdictsCommand } from './captureVerdicts';
import { runOnPacketCommand, showProgramStatsCommand } from './progRun';
import { compareHostsCommand } from './compareHosts';
import { tracePacketPathAcrossHostsCommand } from './tracePacketPathAcrossHosts';

export function commandTable(refresh: () => void, webviews: WebviewCommands): Record<string, CommandFactory> {
  return {
    // They need no host: each view says "not connected" itself and follows the session in focus; run on a host's
    // row, that host comes into focus first, so the view shows it.
    ...Object.fromEntries(Object.entries(webviews).map(([id, handler]) => [id, focusingHost(handler)])),
    'ebpfNetDebug.connect': connectCommand,
    'ebpfNetDebug.connectAll': connectAllCommand,
    'ebpfNetDebug.rolloutAttach': rolloutAttachCommand,
    'ebpfNetDebug.disconnect': disconnectCommand,
    'ebpfNetDebug.cleanHost': cleanHostCommand,
    'ebpfNetDebug.attachXdpEth0': attachXdpEth0Command,
    'ebpfNetDebug.attachXdp': attachXdpCommand,
    'ebpfNetDebug.attachTc': attachTcCommand,
    'ebpfNetDebug.attachSockops': attachSockopsCommand,
    'ebpfNetDebug.detach': detachCommand,
    'ebpfNetDebug.unpin': unpinCommand,
    'ebpfNetDebug.showXlated': showXlatedCommand,
    'ebpfNetDebug.compile': compileCommand,
    'ebpfNetDebug.loadObject': loadObjectCommand,
    'ebpfNetDebug.createLab': createLabCommand,
    'ebpfNetDebug.destroyLab': destroyLabCommand,
    'ebpfNetDebug.runOnPacket': runOnPacketCommand,
    'ebpfNetDebug.showProgramStats': showProgramStatsCommand,
    'ebpfNetDebug.compareHosts': compareHostsCommand,
    'ebpfNetDebug.tracePacketPathAcrossHosts': tracePacketPathAcrossHostsCommand,
    'ebpfNetDebug.refresh': { enabled: () => refresh },
    'ebpfNetDebug.showLog': { enabled: (ctx) => () => ctx.log.show() },
    'ebpfNetDebug.captureVerdicts': captureVerdictsCommand,
  };
}

function focusingHost(handler: (...args: unknown[]) => unknown): CommandFactory {
  return {
    enabled:
      (ctx) =>
      (...args) => {
        const host = hostOfArg(args[0]);
        if (host) ctx.focus(host);
        return handler(...args);
      },
  };
}

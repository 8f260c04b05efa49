// The command table: command id -> factory (../shared/docs/STYLE.md #6). Webview commands (showLiveTrace, ...) are
// registered by extension/vscode/webviews/ and are not in this table.
import type { CommandFactory } from './table';
import { connectCommand, disconnectCommand } from './connect';
import { attachSockopsCommand, attachTcCommand, attachXdpCommand, attachXdpEth0Command } from './attach';
import { detachCommand, showXlatedCommand, unpinCommand } from './detach';
import { compileCommand } from './compile';
import { loadObjectCommand } from './load';
import { createLabCommand, destroyLabCommand } from './lab';
import { captureVerdictsCommand } from './captureVerdicts';
import { runOnPacketCommand, showProgramStatsCommand } from './progRun';

export function commandTable(refresh: () => void): Record<string, CommandFactory> {
  return {
    'ebpfNetDebug.connect': connectCommand,
    'ebpfNetDebug.disconnect': disconnectCommand,
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
    'ebpfNetDebug.refresh': { enabled: () => refresh },
    'ebpfNetDebug.showLog': { enabled: (ctx) => () => ctx.log.show() },
    'ebpfNetDebug.captureVerdicts': captureVerdictsCommand,
  };
}

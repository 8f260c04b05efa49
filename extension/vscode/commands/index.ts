// The command table: command id -> factory. Webview commands (showLiveTrace, ...) are registered by
// extension/vscode/webviews/ and are not in this table.
import type { CommandFactory } from './table';
import { connectCommand, disconnectCommand } from './connect';

export const commandTable: Record<string, CommandFactory> = {
  'ebpfNetDebug.connect': connectCommand,
  'ebpfNetDebug.disconnect': disconnectCommand,
  'ebpfNetDebug.showLog': { enabled: (ctx) => () => ctx.log.show() },
};

// The extension's LogOutputChannel: the one place details go (tool output, verifier logs, stacks), so that user
// messages can stay one line with a "Show Log" button.
import * as vscode from 'vscode';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('eBPF Network Debugger', { log: true });
}

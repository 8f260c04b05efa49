// The packet filter asked in an input box (Trace Packet Path, Trace Packet Path Across Hosts, Capture Verdicts):
// the trace's filter language, checked as it is typed with the parser the trace itself uses.
import * as vscode from 'vscode';
import { parsePacketFilter } from '../core/packetPath';

/** The filter the user typed ('' = every packet), or undefined when the box was dismissed. */
export function askPacketFilter(opts: {
  title: string;
  prompt: string;
  placeHolder: string;
  ignoreFocusOut?: boolean;
}): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    ...opts,
    validateInput: (v) => {
      try {
        parsePacketFilter(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
}

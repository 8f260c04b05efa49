// The typed settings of the extension (../shared/docs/STYLE.md #7): read through parseSettings (settingsModel.ts), bad values
// become defaults with one warning each in the log and a single notification, and a change event for the rest.
import * as vscode from 'vscode';
import { parseSettings, type SettingsValues } from './settingsModel';

export const SECTION = 'ebpfNetDebug';

export class Settings implements vscode.Disposable {
  private current: SettingsValues;
  private readonly emitter = new vscode.EventEmitter<SettingsValues>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.current = this.read();
    this.sub = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      this.current = this.read();
      this.emitter.fire(this.current);
    });
  }

  get values(): SettingsValues {
    return this.current;
  }

  private read(): SettingsValues {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const { values, warnings } = parseSettings((key) => cfg.get(key));
    if (warnings.length) {
      for (const w of warnings) this.log.warn(w);
      void vscode.window
        .showWarningMessage(
          warnings.length === 1 ? warnings[0] : `${warnings[0]} (and ${warnings.length - 1} more in the log)`,
          'Open Settings',
          'Show Log',
        )
        .then((a) => {
          if (a === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
          if (a === 'Show Log') this.log.show();
        });
    }
    return values;
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}

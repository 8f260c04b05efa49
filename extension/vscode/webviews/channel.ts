// The host end of a view's messages: typed posts, and requests answered with exactly one reply carrying the
// request's id (an error becomes `ok: false` with a message the view shows as is).
import type * as vscode from 'vscode';
import type { ReplyMessage } from '../../../protocol/webview';

export class ViewChannel<ToView, ToHost extends { type: string }> {
  constructor(
    private readonly webview: vscode.Webview,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  post(message: ToView | ReplyMessage): void {
    void this.webview.postMessage(message).then(undefined, (e: Error) => this.log.debug(`webview post failed: ${e.message}`));
  }

  /** Runs `work` for a request and replies with its result or its error. */
  async answer<R>(requestId: number, work: () => Promise<R>): Promise<void> {
    try {
      this.post({ type: 'reply', requestId, ok: true, result: await work() });
    } catch (e) {
      this.post({ type: 'reply', requestId, ok: false, error: describe(e) });
    }
  }

  onMessage(handler: (m: ToHost) => void): vscode.Disposable {
    return this.webview.onDidReceiveMessage((m: unknown) => {
      if (m && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string') handler(m as ToHost);
      else this.log.warn(`ignored a malformed webview message: ${JSON.stringify(m)?.slice(0, 200)}`);
    });
  }
}

export function describe(e: unknown): string {
  if (e && typeof e === 'object' && 'describe' in e && typeof (e as { describe: unknown }).describe === 'function')
    return (e as { describe(): string }).describe();
  return e instanceof Error ? e.message : String(e);
}

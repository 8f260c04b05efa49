// The one place a view talks to the extension host: VS Code's webview API (acquireVsCodeApi may be called only
// once per page), typed with the view's unions from protocol/webview.ts, with request ids matched to replies.
import type { ReplyMessage } from '../../protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type WithoutId<T> = T extends { requestId: number } ? Omit<T, 'requestId'> : never;

export class HostChannel<ToHost extends { type: string }, ToView extends { type: string }, State> {
  private readonly api = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(onMessage: (message: Exclude<ToView, { type: 'reply' }>) => void) {
    window.addEventListener('message', (event: MessageEvent) => {
      const message = event.data as ToView | ReplyMessage;
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return;
      if (message.type === 'reply') {
        const reply = message as ReplyMessage;
        const waiter = this.pending.get(reply.requestId);
        if (!waiter) return;
        this.pending.delete(reply.requestId);
        if (reply.ok) waiter.resolve(reply.result);
        else waiter.reject(new Error(reply.error));
        return;
      }
      onMessage(message as Exclude<ToView, { type: 'reply' }>);
    });
  }

  /** Tells the host the view listens; call after the listener above is installed and the DOM is built. */
  ready(): void {
    this.api.postMessage({ type: 'ready' });
  }

  post(message: Exclude<ToHost, { requestId: number }>): void {
    this.api.postMessage(message);
  }

  /** Sends a request and resolves with the host's reply (rejects with the host's error text). */
  request<R>(message: WithoutId<ToHost>): Promise<R> {
    const requestId = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage({ ...message, requestId });
    });
  }

  /** View state kept by VS Code across hide/show (and reloads of the webview). */
  state(): Partial<State> {
    return (this.api.getState() as Partial<State> | undefined) ?? {};
  }
  saveState(state: State): void {
    this.api.setState(state);
  }
}

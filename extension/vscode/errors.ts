// Turns any failure into one message a user can act on, with the details (tool output, verifier log, stack) in the
// log channel. AgentError.describe() (extension/core) gives the same words the CLI prints.
import * as vscode from 'vscode';
import { AgentError } from '../core/agentError';

/** Thrown when the user cancels a long operation: not an error worth a message. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export function describeError(err: unknown): string {
  if (err instanceof AgentError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Writes what failed and why to the log, then shows one line with a way to the log. */
export function reportError(log: vscode.LogOutputChannel, what: string, err: unknown): void {
  if (err instanceof Cancelled) {
    log.info(`${what}: cancelled`);
    return;
  }
  const line = `${what}: ${describeError(err)}`;
  log.error(line);
  if (err instanceof AgentError) {
    const d = err.data;
    if (d.argv) log.error(`  command: ${JSON.stringify(d.argv)} (exit ${d.exitCode ?? '?'})`);
    if (d.stderr) log.error(`  stderr:\n${d.stderr}`);
    if (d.stdout) log.error(`  stdout:\n${d.stdout}`);
    if (d.stack) log.error(`  agent stack:\n${d.stack}`);
  } else if (err instanceof Error && err.stack) {
    log.debug(err.stack);
  }
  void vscode.window.showErrorMessage(line, 'Show Log').then((a) => {
    if (a === 'Show Log') log.show();
  });
}

/**
 * Runs a long operation with a cancellable notification progress. Cancelling rejects with Cancelled at once;
 * `onCancel` lets the operation undo what it started (e.g. close a half-open connection).
 */
export function withProgress<T>(
  title: string,
  task: (progress: vscode.Progress<{ message?: string }>, token: vscode.CancellationToken) => Promise<T>,
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) =>
        new Promise<T>((resolve, reject) => {
          const sub = token.onCancellationRequested(() => reject(new Cancelled()));
          task(progress, token)
            .then(resolve, reject)
            .finally(() => sub.dispose());
        }),
    ),
  );
}

/** Throws Cancelled if the user cancelled; call between steps. */
export function checkCancelled(token: vscode.CancellationToken): void {
  if (token.isCancellationRequested) throw new Cancelled();
}

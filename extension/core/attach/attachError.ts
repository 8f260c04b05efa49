// A failure of the attach workflow the user can act on: wrong input (usage), a source that does not compile, or an
// attach the host's watchdog rolled back. The CLI turns it into its exit codes; the editor shows the message.
import type { RollbackRecord } from '../../../protocol/agent';

export class AttachError extends Error {
  override readonly name: string = 'AttachError';
  /** The input itself is wrong (a bad option, an unknown program), not the host. */
  readonly usage: boolean;
  /** Extra lines for a log or --verbose (clang's output...). */
  readonly details?: string;
  /** clang refused the source (its diagnostics were already handed to the caller). */
  readonly compile: boolean;
  constructor(message: string, o: { usage?: boolean; details?: string; compile?: boolean } = {}) {
    super(message);
    this.usage = o.usage ?? false;
    this.details = o.details;
    this.compile = o.compile ?? false;
  }
}

/** The attach happened, the connection broke, and the host's watchdog detached the program again. */
export class AttachRolledBack extends AttachError {
  override readonly name = 'AttachRolledBack';
  constructor(
    message: string,
    readonly record: RollbackRecord | undefined,
  ) {
    super(message);
  }
}

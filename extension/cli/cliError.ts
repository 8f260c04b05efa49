// A failure the CLI reports as one line on stderr with a non-zero exit: 2 for wrong usage (the command line itself
// is wrong), 1 for everything that went wrong while doing the work.
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    /** Extra lines for --verbose. */ readonly details?: string,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

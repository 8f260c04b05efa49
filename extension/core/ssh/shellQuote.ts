// The one place where an argument array becomes a command string. SSH's exec request carries a single string that
// the remote login shell parses, so every argument is wrapped in single quotes (inside which a POSIX shell gives no
// character a special meaning) and each embedded single quote is written as '\'' (close, escaped quote, reopen).
// Nothing is ever interpolated unquoted: even "safe-looking" words are quoted, so there is no judgement to get wrong.

/** Quotes one argument for a POSIX shell (sh, bash, dash, zsh in sh mode). */
export function quoteArg(arg: string): string {
  if (typeof arg !== 'string') throw new TypeError(`shell argument must be a string, got ${typeof arg}`);
  // A NUL byte cannot travel through exec's C strings: the remote side would silently truncate the argument.
  if (arg.includes('\0')) throw new TypeError(`shell argument contains a NUL byte: ${JSON.stringify(arg)}`);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Joins an argument array into one command string for SSH's exec; argv[0] is quoted like the rest. */
export function quoteArgv(argv: readonly string[]): string {
  if (!Array.isArray(argv) || argv.length === 0) throw new TypeError('argv must be a non-empty array of strings');
  return argv.map(quoteArg).join(' ');
}

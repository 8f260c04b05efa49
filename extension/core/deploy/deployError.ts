// A deployment failure a user can act on: `kind` for programs, the message names the fix, `detail` keeps the
// host's own words (stderr).
export type DeployErrorKind =
  | 'NodeMissing'
  | 'NodeTooOld'
  | 'SudoMissing'
  | 'SudoNeedsPassword'
  | 'SudoPasswordWrong'
  | 'UnsupportedHost'
  | 'UploadFailed'
  | 'CommandFailed'
  | 'BadArgument';

export class DeployError extends Error {
  override readonly name = 'DeployError';
  constructor(
    readonly kind: DeployErrorKind,
    message: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

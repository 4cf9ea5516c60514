/** An error caused by the user's input or environment: its message says what to fix. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly suggestions: string[] = [],
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A push the config repo's remote refused; `behind`: it has commits the pusher lacks (non-fast-forward). */
export class PushRejectedError extends UserError {
  constructor(
    message: string,
    suggestions: string[],
    readonly behind: boolean,
    /** git's own lines that say why. */
    readonly reason: string,
  ) {
    super(message, suggestions, 1);
    this.name = 'PushRejectedError';
  }
}

/** A push that never reached the remote's answer (network, credentials): the commit exists only in the clone that made it. */
export class PushFailedError extends UserError {
  constructor(
    message: string,
    suggestions: string[],
    /** git's own lines that say why. */
    readonly reason: string,
  ) {
    super(message, suggestions, 1);
    this.name = 'PushFailedError';
  }
}

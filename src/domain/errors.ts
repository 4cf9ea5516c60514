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

import { Command, Errors, Flags } from '@oclif/core';
import { UserError } from '../domain/errors.js';

/** Shared by all commands: a UserError becomes a CLI error with its suggestions and exit code. */
export abstract class OpusCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof UserError) {
      // With --json, oclif prints the error as JSON and exits with process.exitCode: set it first.
      if (this.jsonEnabled()) process.exitCode = error.exitCode;
      return super.catch(new Errors.CLIError(error.message, { exit: error.exitCode, suggestions: error.suggestions }));
    }
    // A parse error (an unknown flag, a missing argument) carries its exit code in `oclif.exit`: exit with the code the JSON says.
    const exit = (error as { oclif?: { exit?: unknown } }).oclif?.exit;
    if (typeof exit === 'number') process.exitCode = exit;
    return super.catch(error);
  }

  /** --json errors: what went wrong, what to do, and the exit code; none of oclif's own metadata. */
  protected override toErrorJson(error: unknown): { error: { message: string; suggestions?: string[]; exitCode: number } } {
    const e = error as { message?: unknown; suggestions?: unknown; oclif?: { exit?: unknown } };
    // oclif's pointer to the help text is for a terminal, not a JSON reader.
    const message = (typeof e.message === 'string' ? e.message : String(error)).replace(/\nSee more help with --help$/, '');
    const suggestions = Array.isArray(e.suggestions) ? e.suggestions.map(String) : undefined;
    const exitCode = typeof e.oclif?.exit === 'number' ? e.oclif.exit : typeof process.exitCode === 'number' ? process.exitCode : 1;
    return { error: { message, ...(suggestions?.length ? { suggestions } : {}), exitCode } };
  }
}

export const configFlag = Flags.string({
  char: 'c',
  env: 'OPUS_CONFIG',
  description: 'The config repo to edit (default: the current directory if it has an opus.yaml, else <data dir>/config)',
});

export const pushFlag = Flags.boolean({
  default: true,
  allowNo: true,
  description: 'Push the commit when the config repo has a remote (--no-push to only commit)',
});

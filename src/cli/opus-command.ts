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
    return super.catch(error);
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

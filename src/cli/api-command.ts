import { ApiClient, serverFlags } from './api-client.js';
import { OpusCommand } from './opus-command.js';

/** A command that reads from (or acts on) a running Opus server through its API. */
export abstract class ApiCommand extends OpusCommand {
  static override enableJsonFlag = true;
  static override baseFlags = { ...serverFlags };

  protected client(flags: { server?: string | undefined; token?: string | undefined }): ApiClient {
    return new ApiClient(flags);
  }

  /** Exit 1 ("problems found") while the command still prints or returns its data. */
  protected problemsFound(): void {
    process.exitCode = 1;
  }
}

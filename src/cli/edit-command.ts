import { openConfigEdits } from '../runtime/config-repo.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import type { ConfigEdits, EditResult } from '../services/config-edits.js';
import { OpusCommand } from './opus-command.js';
import { pullRequestSettings, type PrFlagValues } from './pr-flags.js';
import { UserError } from '../domain/errors.js';
import type { ProjectStatus } from '../services/project-status.js';
import { ApiClient, EXIT } from './api-client.js';
import { liveLine, waitLive } from './wait-live.js';
import { progressWriter } from './progress-writer.js';

export interface WaitFlagValues {
  wait: boolean;
  server?: string | undefined;
  token?: string | undefined;
  pr?: boolean;
}

/** A command that changes the config repo: it opens it, runs one edit and reports the commit (or the pull request). */
export abstract class EditCommand extends OpusCommand {
  static override enableJsonFlag = true;

  private configDir: string | undefined;
  private pushWanted = true;

  protected async edits(config: string | undefined, push: boolean, pr?: PrFlagValues): Promise<ConfigEdits> {
    this.configDir = resolveConfigDir(config);
    this.pushWanted = push;
    return openConfigEdits(this.configDir, push, pr ? pullRequestSettings(pr) : undefined);
  }

  protected report(result: EditResult): EditResult {
    if (!result.changed) this.log(result.message);
    else if (result.pullRequest) {
      const pr = result.pullRequest;
      this.log(`${result.message}\n  commit ${result.commit?.slice(0, 12)} on branch ${pr.branch}, pushed\n  pull request #${pr.number} into ${pr.base}: ${pr.url}`);
    } else this.log(`${result.message}\n  commit ${result.commit?.slice(0, 12)} in ${this.configDir ?? 'the config repo'}${result.pushed ? ', pushed' : this.pushWanted ? ' (it has no remote to push to)' : ' (not pushed: --no-push)'}`);
    return result;
  }

  /** Refused before anything is committed: a pull request goes live only once merged. */
  protected checkWait(flags: WaitFlagValues): void {
    if (flags.wait && flags.pr) throw new UserError('--wait cannot follow a --pr change: nothing goes live until the pull request is merged', ['merge it, then: opus sync --wait <project>'], EXIT.badInput);
  }

  /** --wait: the server syncs the commit just made, builds, and the command ends with the live URL. */
  protected async waitIfAsked(result: EditResult, project: string, flags: WaitFlagValues): Promise<EditResult & { project?: ProjectStatus }> {
    if (!flags.wait) return result;
    const write = progressWriter(this.jsonEnabled() ? process.stderr : process.stdout);
    const live = await waitLive(new ApiClient(flags), { project, write, ...(result.commit ? { commit: result.commit } : {}), ...(this.configDir ? { configDir: this.configDir } : {}) });
    this.log(liveLine(live));
    return { ...result, project: live };
  }
}

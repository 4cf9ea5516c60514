import { openConfigEdits } from '../runtime/config-repo.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import type { ConfigEdits, EditResult } from '../services/config-edits.js';
import { OpusCommand } from './opus-command.js';
import { pullRequestSettings, type PrFlagValues } from './pr-flags.js';

/** A command that changes the config repo: it opens it, runs one edit and reports the commit (or the pull request). */
export abstract class EditCommand extends OpusCommand {
  static override enableJsonFlag = true;

  protected async edits(config: string | undefined, push: boolean, pr?: PrFlagValues): Promise<ConfigEdits> {
    return openConfigEdits(resolveConfigDir(config), push, pr ? pullRequestSettings(pr) : undefined);
  }

  protected report(result: EditResult): EditResult {
    if (!result.changed) this.log(result.message);
    else if (result.pullRequest) {
      const pr = result.pullRequest;
      this.log(`${result.message}\n  commit ${result.commit?.slice(0, 12)} on branch ${pr.branch}, pushed\n  pull request #${pr.number} into ${pr.base}: ${pr.url}`);
    } else this.log(`${result.message}\n  commit ${result.commit?.slice(0, 12)}${result.pushed ? ', pushed' : ' (not pushed)'}`);
    return result;
  }
}

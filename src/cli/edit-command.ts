import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import { ConfigEdits, type EditResult } from '../services/config-edits.js';
import { OpusCommand } from './opus-command.js';

/** A command that changes the config repo: it opens it, runs one edit and reports the commit. */
export abstract class EditCommand extends OpusCommand {
  static override enableJsonFlag = true;

  protected async edits(config: string | undefined, push: boolean): Promise<ConfigEdits> {
    return new ConfigEdits(await ConfigWorkspace.open(resolveConfigDir(config)), new GitSourceRepos(), push);
  }

  protected report(result: EditResult): EditResult {
    if (!result.changed) this.log(result.message);
    else this.log(`${result.message}\n  commit ${result.commit?.slice(0, 12)}${result.pushed ? ', pushed' : ' (not pushed)'}`);
    return result;
  }
}

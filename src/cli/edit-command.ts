import { ForgePullRequests } from '../adapters/forge/forge-pull-requests.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { resolveConfigDir } from '../runtime/defaults.js';
import { ConfigEdits, type EditResult } from '../services/config-edits.js';
import { PullRequestFlow } from '../services/pull-request-flow.js';
import { OpusCommand } from './opus-command.js';
import { pullRequestSettings, type PrFlagValues } from './pr-flags.js';

/** A command that changes the config repo: it opens it, runs one edit and reports the commit (or the pull request). */
export abstract class EditCommand extends OpusCommand {
  static override enableJsonFlag = true;

  protected async edits(config: string | undefined, push: boolean, pr?: PrFlagValues): Promise<ConfigEdits> {
    const workspace = await ConfigWorkspace.open(resolveConfigDir(config));
    const settings = pr ? pullRequestSettings(pr) : undefined;
    const flow = settings ? new PullRequestFlow(workspace, settings, (token) => new ForgePullRequests(token)) : undefined;
    return new ConfigEdits(workspace, new GitSourceRepos(), push, flow);
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

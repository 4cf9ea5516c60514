// ConfigEdits on a working copy of the config repo, as the CLI's edit commands and the server's
// dashboard actions both make them: the same checks, the same commit, the same pull request.
import { ForgePullRequests } from '../adapters/forge/forge-pull-requests.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import { ConfigEdits } from '../services/config-edits.js';
import { PullRequestFlow, type PullRequestSettings } from '../services/pull-request-flow.js';

export async function openConfigEdits(dir: string, push: boolean, pullRequest?: PullRequestSettings): Promise<ConfigEdits> {
  const workspace = await ConfigWorkspace.open(dir);
  const flow = pullRequest ? new PullRequestFlow(workspace, pullRequest, (token) => new ForgePullRequests(token)) : undefined;
  return new ConfigEdits(workspace, new GitSourceRepos(), push, flow);
}

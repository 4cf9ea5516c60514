// The CLI's wiring to the config repo: a working copy opened for edits (with the source repos and,
// with --pr, the forge), and the files of a config repo directory for commands that only read it.
import { ForgePullRequests } from '../adapters/forge/forge-pull-requests.js';
import { ConfigWorkspace } from '../adapters/git/config-workspace.js';
import { readConfigFiles } from '../adapters/git/git-config-source.js';
import { GitSourceRepos } from '../adapters/git/git-source-repos.js';
import type { ConfigFiles } from '../domain/desired-state.js';
import type { FileChange } from '../ports/config-workspace.js';
import { ConfigEdits } from '../services/config-edits.js';
import { PullRequestFlow, type PullRequestSettings } from '../services/pull-request-flow.js';

export async function openConfigEdits(dir: string, push: boolean, pullRequest?: PullRequestSettings): Promise<ConfigEdits> {
  const workspace = await ConfigWorkspace.open(dir);
  const flow = pullRequest ? new PullRequestFlow(workspace, pullRequest, (token) => new ForgePullRequests(token)) : undefined;
  return new ConfigEdits(workspace, new GitSourceRepos(), push, flow);
}

/** Makes a new config repo with its first commit; returns its absolute directory. */
export async function initConfigRepo(dir: string, files: FileChange[]): Promise<string> {
  return (await ConfigWorkspace.init(dir, files)).dir;
}

export function readConfigDir(dir: string): Promise<ConfigFiles> {
  return readConfigFiles(dir);
}

/** The URL the working copy pushes to; undefined when it has none or is no config repo. */
export function configRemoteUrl(dir: string): Promise<string | undefined> {
  return ConfigWorkspace.open(dir)
    .then((w) => w.pushTarget())
    .then((t) => t?.url)
    .catch(() => undefined);
}

/** The git work tree a new config repo at `dir` would be nested in, if any (opus init refuses it). */
export function enclosingWorkTree(dir: string): Promise<string | undefined> {
  return ConfigWorkspace.enclosingWorkTree(dir);
}

// `--pr`: a config change goes to a new branch, pushed to the config repo's remote, and a pull
// request into the current branch is opened on the forge. The working copy is never switched.
import { UserError } from '../domain/errors.js';
import { forgeTarget, TOKEN_ENV, withoutCredentials, type ForgeChoice, type ForgeKind, type ForgeTarget } from '../domain/forge.js';
import { pullRequestText, type ConfigChange } from '../domain/pull-request.js';
import type { PullRequests } from '../ports/pull-requests.js';
import type { ConfigRepoWorkspace, FileChange, PushTarget } from '../ports/config-workspace.js';

export interface PullRequestSettings extends ForgeChoice {
  /** --forge-token; else the forge's env variable (GITHUB_TOKEN, GITEA_TOKEN). */
  token?: string;
  env: Record<string, string | undefined>;
}

export interface SubmittedChange {
  commit: string;
  pushed: boolean;
  pullRequest: { number: number; url: string; branch: string; base: string };
}

export class PullRequestFlow {
  constructor(
    private readonly workspace: ConfigRepoWorkspace,
    private readonly settings: PullRequestSettings,
    private readonly forge: (token: string) => PullRequests,
  ) {}

  async submit(changes: FileChange[], message: string, change: ConfigChange): Promise<SubmittedChange> {
    const { push, target, token } = await this.destination();
    const text = pullRequestText(change, message);
    const committed = await this.workspace.commitOnBranch(changes, message, text.branch, push);
    const opened = await this.forge(token)
      .open(target, { title: text.title, body: text.body, head: committed.branch, base: push.branch })
      .catch((error: unknown) => {
        if (error instanceof UserError) {
          throw new UserError(`pushed the branch ${committed.branch}, but ${error.message}`, [...error.suggestions, `or open a pull request from ${committed.branch} into ${push.branch} by hand`], error.exitCode);
        }
        throw error;
      });
    return { commit: committed.commit, pushed: true, pullRequest: { ...opened, branch: committed.branch, base: push.branch } };
  }

  /** Everything that can be refused is refused before a branch is made. */
  private async destination(): Promise<{ push: PushTarget; target: ForgeTarget; token: string }> {
    const push = await this.workspace.pushTarget();
    if (!push) throw new UserError(`the config repo ${this.workspace.dir} has no remote to push a branch to`, ['add one with: git remote add origin <url>, or run the command without --pr']);
    const target = forgeTarget(push.url, this.settings);
    if ('problem' in target) throw new UserError(target.problem);
    const token = this.settings.token ?? this.settings.env[TOKEN_ENV[target.kind]];
    if (!token) throw new UserError(`a ${target.kind} token is needed to open a pull request on ${withoutCredentials(push.url)}`, [tokenHint(target.kind)], 3);
    return { push, target, token };
  }
}

function tokenHint(kind: ForgeKind): string {
  return `set ${TOKEN_ENV[kind]} (a token that may open pull requests on the repository), or pass --forge-token`;
}

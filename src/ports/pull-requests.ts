import type { ForgeTarget } from '../domain/forge.js';

export interface PullRequestInput {
  title: string;
  body: string;
  /** The branch with the change. */
  head: string;
  /** The branch it goes into. */
  base: string;
}

export interface OpenedPullRequest {
  number: number;
  url: string;
}

/** A forge's pull requests (GitHub, Gitea): one REST call to open one. */
export interface PullRequests {
  open(target: ForgeTarget, input: PullRequestInput): Promise<OpenedPullRequest>;
}

// What a pull-request webhook says, whatever the git host: GitHub and Gitea `pull_request`, GitLab
// `merge_request` ("Merge Request Hook"). Opus needs the head commit and where to fetch it from,
// whether it comes from a fork, whether its author may write to the repository, its labels, and
// the repository's addresses. Pure: the body comes in as parsed JSON.
import type { WebhookProvider } from '../webhook-provider.js';

export interface PullRequestEvent {
  kind: 'pull-request';
  provider: WebhookProvider;
  /** build: opened, new commits, reopened, labelled; close: closed or merged; ignore: anything else. */
  intent: 'build' | 'close' | 'ignore';
  /** The action as the forge named it ("synchronize", "update", …). */
  action: string;
  /** The pull request's number (GitLab: the merge request's iid). */
  number: number;
  headSha: string;
  /** The branch of the head, in its own repository (a fork's branch for a fork). */
  headBranch: string;
  /** A ref of the base repository that points at the head, fork or not. */
  fetchRef: string;
  baseBranch: string;
  fork: boolean;
  /** The author may push to the base repository (a head branch in it proves it; GitHub also says so). */
  writeAccess: boolean;
  labels: string[];
  author: string;
  /** The pull request's page, when the payload has it. */
  url?: string;
  /** Every address of the base repository (clone, ssh, web). */
  repoUrls: string[];
}

export class PullRequestPayloadError extends Error {}

/** The event header value of a pull-request webhook, per provider. */
export const PULL_REQUEST_EVENTS: Record<WebhookProvider, readonly string[]> = {
  github: ['pull_request'],
  // Gitea sends X-Gitea-Event: pull_request for every kind (X-Gitea-Event-Type tells them apart); older ones the kind.
  gitea: ['pull_request', 'pull_request_sync', 'pull_request_label'],
  gitlab: ['Merge Request Hook'],
};

/** GitHub's author_association values of people who can push to the repository. */
const WRITERS = new Set(['OWNER', 'MEMBER', 'COLLABORATOR']);
const BUILD_ACTIONS: Record<WebhookProvider, readonly string[]> = {
  github: ['opened', 'synchronize', 'reopened', 'labeled', 'ready_for_review'],
  gitea: ['opened', 'synchronized', 'synchronize', 'reopened', 'label_updated'],
  gitlab: ['open', 'reopen', 'update'],
};
const CLOSE_ACTIONS: Record<WebhookProvider, readonly string[]> = { github: ['closed'], gitea: ['closed'], gitlab: ['close', 'merge'] };
const URL_KEYS = ['clone_url', 'ssh_url', 'html_url', 'git_url', 'git_http_url', 'git_ssh_url', 'web_url', 'http_url', 'ssh_url_to_repo', 'http_url_to_repo'];

export function parsePullRequest(provider: WebhookProvider, data: Record<string, unknown>): PullRequestEvent {
  return provider === 'gitlab' ? parseGitlab(data) : parseGithubLike(provider, data);
}

function parseGithubLike(provider: 'github' | 'gitea', data: Record<string, unknown>): PullRequestEvent {
  const pr = record(data.pull_request, 'pull_request');
  const head = record(pr.head, 'pull_request.head');
  const base = record(pr.base, 'pull_request.base');
  const number = integer(pr.number ?? data.number, 'pull_request.number');
  const headRepo = optionalRecord(head.repo);
  const baseRepo = optionalRecord(base.repo) ?? record(data.repository, 'repository');
  // A fork whose repository was deleted has no head.repo: it is a fork all the same.
  const fork = !headRepo || text(headRepo.full_name, 'head.repo.full_name').toLowerCase() !== text(baseRepo.full_name, 'base.repo.full_name').toLowerCase();
  const association = typeof pr.author_association === 'string' ? pr.author_association : '';
  const action = text(data.action, 'action');
  return {
    kind: 'pull-request',
    provider,
    intent: intentOf(provider, action),
    action,
    number,
    headSha: sha(head.sha, 'pull_request.head.sha'),
    headBranch: text(head.ref, 'pull_request.head.ref'),
    fetchRef: `refs/pull/${number}/head`,
    baseBranch: text(base.ref, 'pull_request.base.ref'),
    fork,
    writeAccess: !fork || WRITERS.has(association),
    labels: labelNames(pr.labels, 'name'),
    author: loginOf(pr.user),
    ...(typeof pr.html_url === 'string' ? { url: pr.html_url } : {}),
    repoUrls: urlsOf(baseRepo, optionalRecord(data.repository)),
  };
}

function parseGitlab(data: Record<string, unknown>): PullRequestEvent {
  const mr = record(data.object_attributes, 'object_attributes');
  const number = integer(mr.iid, 'object_attributes.iid');
  const lastCommit = record(mr.last_commit, 'object_attributes.last_commit');
  const fork = integer(mr.source_project_id, 'object_attributes.source_project_id') !== integer(mr.target_project_id, 'object_attributes.target_project_id');
  const action = typeof mr.action === 'string' ? mr.action : '';
  const labels = Array.isArray(data.labels) ? data.labels : mr.labels;
  return {
    kind: 'pull-request',
    provider: 'gitlab',
    intent: intentOf('gitlab', action),
    action,
    number,
    headSha: sha(lastCommit.id, 'object_attributes.last_commit.id'),
    headBranch: text(mr.source_branch, 'object_attributes.source_branch'),
    fetchRef: `refs/merge-requests/${number}/head`,
    baseBranch: text(mr.target_branch, 'object_attributes.target_branch'),
    fork,
    // GitLab's payload says nothing of the author's role; a branch in the project needs Developer access.
    writeAccess: !fork,
    labels: labelNames(labels, 'title'),
    author: loginOf(data.user),
    ...(typeof mr.url === 'string' ? { url: mr.url } : {}),
    repoUrls: urlsOf(optionalRecord(data.project), optionalRecord(mr.target)),
  };
}

function intentOf(provider: WebhookProvider, action: string): PullRequestEvent['intent'] {
  if (BUILD_ACTIONS[provider].includes(action)) return 'build';
  return CLOSE_ACTIONS[provider].includes(action) ? 'close' : 'ignore';
}

function record(value: unknown, what: string): Record<string, unknown> {
  const found = optionalRecord(value);
  if (!found) throw new PullRequestPayloadError(`a pull-request webhook needs "${what}"`);
  return found;
}

function optionalRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new PullRequestPayloadError(`a pull-request webhook needs "${what}"`);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new PullRequestPayloadError(`a pull-request webhook needs "${what}" as a number`);
  return value;
}

function sha(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(value)) throw new PullRequestPayloadError(`a pull-request webhook needs "${what}" as a full commit hash`);
  return value.toLowerCase();
}

function labelNames(value: unknown, key: 'name' | 'title'): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((l) => optionalRecord(l)?.[key]).filter((n): n is string => typeof n === 'string');
}

function loginOf(value: unknown): string {
  const user = optionalRecord(value);
  const login = user?.login ?? user?.username;
  return typeof login === 'string' ? login : '';
}

function urlsOf(...records: (Record<string, unknown> | undefined)[]): string[] {
  const urls = records.flatMap((r) => (r ? URL_KEYS.map((k) => r[k]) : [])).filter((u): u is string => typeof u === 'string' && u.length > 0);
  return [...new Set(urls)];
}

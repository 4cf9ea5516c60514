// Sending push webhooks the way GitHub, Gitea and GitLab do, for tests.
import { createHmac, randomUUID } from 'node:crypto';

export function githubPushBody(ref: string, cloneUrl: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ref,
    before: '0'.repeat(40),
    after: 'a'.repeat(40),
    created: true,
    deleted: false,
    repository: { name: 'app', full_name: 'acme/app', clone_url: cloneUrl, html_url: cloneUrl.replace(/\.git$/, '') },
    pusher: { name: 'test' },
    ...extra,
  });
}

export function gitlabPushBody(ref: string, httpUrl: string): string {
  return JSON.stringify({ object_kind: 'tag_push', ref, after: 'b'.repeat(40), project: { git_http_url: httpUrl, git_ssh_url: 'git@gitlab.invalid:acme/app.git' } });
}

export function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

export interface HookOptions {
  event?: string;
  delivery?: string;
  /** The secret to sign with (a wrong one makes a wrong signature); undefined sends no signature. */
  secret?: string;
}

/** POSTs a GitHub-format webhook. */
export function postGithub(url: string, body: string, options: HookOptions = {}): Promise<Response> {
  return fetch(`${url}/hooks/github`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-GitHub-Event': options.event ?? 'push',
      'X-GitHub-Delivery': options.delivery ?? randomUUID(),
      ...(options.secret === undefined ? {} : { 'X-Hub-Signature-256': `sha256=${sign(options.secret, body)}` }),
    },
    body,
  });
}

export function postGitea(url: string, body: string, options: HookOptions = {}): Promise<Response> {
  return fetch(`${url}/hooks/gitea`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Gitea-Event': options.event ?? 'push',
      'X-Gitea-Delivery': options.delivery ?? randomUUID(),
      ...(options.secret === undefined ? {} : { 'X-Gitea-Signature': sign(options.secret, body) }),
    },
    body,
  });
}

export function postGitlab(url: string, body: string, token: string | undefined, event = 'Tag Push Hook'): Promise<Response> {
  return fetch(`${url}/hooks/gitlab`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Gitlab-Event': event, 'X-Gitlab-Event-UUID': randomUUID(), ...(token === undefined ? {} : { 'X-Gitlab-Token': token }) },
    body,
  });
}

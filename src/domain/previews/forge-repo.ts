// Which forge API the statuses and comments of a project's previews go to, from the project's
// source (in the config repo, so trusted) and the forge whose webhook came: never from the
// payload, so a webhook cannot send the server's forge token elsewhere. Pure.
import type { WebhookProvider } from '../webhook-payload.js';

export interface ForgeRepo {
  provider: WebhookProvider;
  /** REST API base, no trailing slash: https://api.github.com, https://git.example.com/api/v1, …/api/v4. */
  api: string;
  /** owner/repo (GitLab: the full namespace path). */
  path: string;
}

const API_PATH: Record<WebhookProvider, string> = { github: '/api/v3', gitea: '/api/v1', gitlab: '/api/v4' };

/** Undefined when the source is not an http(s) URL with an owner and a repository. */
export function forgeRepoOf(provider: WebhookProvider, source: string): ForgeRepo | undefined {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const parts = url.pathname.replace(/\.git\/?$/, '').split('/').filter(Boolean);
  if (parts.length < 2 || (provider !== 'gitlab' && parts.length !== 2)) return undefined;
  const github = provider === 'github' && (url.hostname === 'github.com' || url.hostname === 'www.github.com');
  const api = github ? 'https://api.github.com' : `${url.protocol}//${url.host}${API_PATH[provider]}`;
  return { provider, api, path: parts.map(decodeURIComponent).join('/') };
}

/** Where each call goes, relative to the API base. */
export function forgePaths(repo: ForgeRepo, commit: string, number: number): { status: string; comments: string; comment: (id: number) => string } {
  if (repo.provider === 'gitlab') {
    const project = `/projects/${encodeURIComponent(repo.path)}`;
    return { status: `${project}/statuses/${commit}`, comments: `${project}/merge_requests/${number}/notes`, comment: (id) => `${project}/merge_requests/${number}/notes/${id}` };
  }
  const [owner = '', name = ''] = repo.path.split('/');
  const base = `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
  return { status: `${base}/statuses/${commit}`, comments: `${base}/issues/${number}/comments`, comment: (id) => `${base}/issues/comments/${id}` };
}

/** The `next` URL of a Link header (RFC 8288), only when it stays on the API's origin. */
export function nextPage(link: string | null, api: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part);
    if (!match || !match[2]?.split(/\s+/).includes('next')) continue;
    try {
      const next = new URL(match[1] as string, api);
      return next.origin === new URL(api).origin ? next.toString() : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// What a push webhook says, whatever the git host: GitHub, Gitea (and Forgejo) and GitLab send
// different shapes; Opus needs the ref that moved, whether it was deleted, and the repository's
// addresses. Pull-request webhooks are read by previews/pull-request-event.ts. Pure: headers and
// body come in as text.
import { PULL_REQUEST_EVENTS, PullRequestPayloadError, parsePullRequest, type PullRequestEvent } from './previews/pull-request-event.js';

import type { WebhookProvider } from './webhook-provider.js';

export { WEBHOOK_PROVIDERS, type WebhookProvider } from './webhook-provider.js';

export interface PushEvent {
  kind: 'push';
  /** The full ref, e.g. "refs/tags/1.2.0" or "refs/heads/main". */
  ref: string;
  tag?: string;
  branch?: string;
  /** The ref was deleted (a tag removed, a branch deleted). */
  deleted: boolean;
  /** Every address of the repository the payload names (clone, ssh, web). */
  repoUrls: string[];
  /** The commit the ref points at now, unless it was deleted. */
  commit?: string;
}

export type WebhookEvent = { kind: 'ping' } | PushEvent | PullRequestEvent | { kind: 'ignored'; reason: string };

export class WebhookPayloadError extends Error {}

/** The header that names the event, per provider. */
export const EVENT_HEADER: Record<WebhookProvider, string> = { github: 'x-github-event', gitea: 'x-gitea-event', gitlab: 'x-gitlab-event' };
/** The header that identifies one delivery, per provider (GitLab ≥ 16 sends an event UUID). */
export const DELIVERY_HEADER: Record<WebhookProvider, string> = { github: 'x-github-delivery', gitea: 'x-gitea-delivery', gitlab: 'x-gitlab-event-uuid' };

const PUSH_EVENTS: Record<WebhookProvider, string[]> = { github: ['push'], gitea: ['push'], gitlab: ['Push Hook', 'Tag Push Hook'] };
const PING_EVENTS: Record<WebhookProvider, string[]> = { github: ['ping'], gitea: ['ping'], gitlab: [] };
const URL_KEYS = ['clone_url', 'ssh_url', 'html_url', 'git_url', 'url', 'git_http_url', 'git_ssh_url', 'web_url', 'homepage', 'http_url', 'ssh_url_to_repo', 'http_url_to_repo'];

/** GitHub may post `payload=<json>` as a form; everything else is JSON. */
export function payloadText(body: string, contentType: string | undefined): string {
  if (!contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) return body;
  const payload = new URLSearchParams(body).get('payload');
  if (payload === null) throw new WebhookPayloadError('a form-encoded webhook needs a "payload" field');
  return payload;
}

export function parseWebhook(provider: WebhookProvider, event: string | undefined, body: string): WebhookEvent {
  if (!event) return { kind: 'ignored', reason: `no ${EVENT_HEADER[provider]} header` };
  if (PING_EVENTS[provider].includes(event)) return { kind: 'ping' };
  if (PULL_REQUEST_EVENTS[provider].includes(event)) {
    try {
      return parsePullRequest(provider, parseJson(body));
    } catch (error) {
      throw error instanceof PullRequestPayloadError ? new WebhookPayloadError(error.message) : error;
    }
  }
  if (!PUSH_EVENTS[provider].includes(event)) return { kind: 'ignored', reason: `event "${event}" is neither a push nor a pull request` };
  return parsePush(parseJson(body));
}

function parseJson(body: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    throw new WebhookPayloadError('the webhook body is not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new WebhookPayloadError('the webhook body is not a JSON object');
  return data as Record<string, unknown>;
}

function parsePush(data: Record<string, unknown>): PushEvent {
  const ref = data.ref;
  if (typeof ref !== 'string' || !ref.startsWith('refs/')) throw new WebhookPayloadError('a push webhook needs a "ref" such as "refs/tags/1.2.0"');
  const repoUrls = [...new Set([...urlsOf(data.repository), ...urlsOf(data.project)])];
  if (repoUrls.length === 0) throw new WebhookPayloadError('a push webhook needs the repository\'s URLs (repository.clone_url or project.git_http_url)');
  const after = typeof data.after === 'string' ? data.after : undefined;
  const deleted = data.deleted === true || (after !== undefined && /^0+$/.test(after));
  const tag = ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  const commit = !deleted && after && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(after) ? after.toLowerCase() : undefined;
  return { kind: 'push', ref, ...(tag ? { tag } : {}), ...(branch ? { branch } : {}), deleted, repoUrls, ...(commit ? { commit } : {}) };
}

function urlsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  return URL_KEYS.map((key) => record[key]).filter((url): url is string => typeof url === 'string' && url.length > 0);
}

// POST /hooks/github, /hooks/gitea, /hooks/gitlab: push webhooks from git hosts. The signature (or
// GitLab's token) is checked against the raw body first; a bad one is 401 and changes nothing. The
// answer comes at once (202) and the work happens in the background (WebhookService).
import Router from '@koa/router';
import type { Context } from 'koa';
import { RecentIds } from '../../domain/recent-ids.js';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  WEBHOOK_PROVIDERS,
  WebhookPayloadError,
  parseWebhook,
  payloadText,
  type WebhookProvider,
} from '../../domain/webhook-payload.js';
import { verifyGiteaSignature, verifyGithubSignature, verifyGitlabToken } from '../../domain/webhook-signature.js';
import type { Logger } from '../../services/logger.js';
import type { PreviewService } from '../../services/previews/preview-service.js';
import type { WebhookService } from '../../services/webhook-service.js';
import { readRawBody } from '../raw-body.js';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookOptions {
  service: WebhookService;
  /** The shared secret (opus server --webhook-secret / OPUS_WEBHOOK_SECRET); webhooks answer 503 without one. */
  secret?: string;
  /** Previews of pull requests and branches; pull-request webhooks answer 204 without. */
  previews?: PreviewService;
}

export function webhookRoutes(options: WebhookOptions | undefined, logger: Logger): Router {
  const router = new Router({ prefix: '/hooks', sensitive: true });
  const deliveries = new RecentIds(1000);
  router.post('/:provider', async (ctx) => {
    const provider = ctx.params.provider as WebhookProvider;
    if (!WEBHOOK_PROVIDERS.includes(provider)) ctx.throw(404, `no webhook "${ctx.params.provider}": use /hooks/github, /hooks/gitea or /hooks/gitlab`);
    const secret = options?.secret;
    if (!options || !secret) {
      return ctx.throw(503, 'webhooks are off: this Opus server has no webhook secret; start it with --webhook-secret or set OPUS_WEBHOOK_SECRET, and give the git host the same secret', { expose: true });
    }
    const body = await readRawBody(ctx.req, WEBHOOK_BODY_LIMIT);
    if (!verified(provider, secret, body, ctx)) {
      logger.warn('webhook refused: bad signature', { provider, delivery: ctx.get(DELIVERY_HEADER[provider]) || undefined });
      ctx.throw(401, provider === 'gitlab' ? 'wrong X-Gitlab-Token' : `missing or wrong ${provider === 'github' ? 'X-Hub-Signature-256' : 'X-Gitea-Signature'}`);
    }
    const delivery = ctx.get(DELIVERY_HEADER[provider]);
    if (delivery && !deliveries.remember(`${provider}:${delivery}`)) {
      ctx.status = 200;
      ctx.body = { status: 'duplicate', delivery, message: 'this delivery was processed already' };
      return;
    }
    handle(ctx, provider, body, options);
  });
  return router;
}

function verified(provider: WebhookProvider, secret: string, body: Buffer, ctx: Context): boolean {
  if (provider === 'github') return verifyGithubSignature(secret, body, ctx.get('X-Hub-Signature-256') || undefined);
  if (provider === 'gitea') return verifyGiteaSignature(secret, body, ctx.get('X-Gitea-Signature') || undefined);
  return verifyGitlabToken(secret, ctx.get('X-Gitlab-Token') || undefined);
}

function handle(ctx: Context, provider: WebhookProvider, body: Buffer, { service, previews }: WebhookOptions): void {
  let event;
  try {
    event = parseWebhook(provider, ctx.get(EVENT_HEADER[provider]) || undefined, payloadText(body.toString('utf8'), ctx.get('Content-Type')));
  } catch (error) {
    if (error instanceof WebhookPayloadError) ctx.throw(400, error.message);
    throw error;
  }
  if (event.kind === 'ignored') {
    ctx.status = 204;
    return;
  }
  if (event.kind === 'ping') {
    ctx.body = { status: 'pong' };
    return;
  }
  if (event.kind === 'pull-request') {
    const route = previews?.acceptPullRequest(event);
    if (!route) return void (ctx.status = 204);
    ctx.status = 202;
    ctx.body = { status: 'accepted', pullRequest: event.number, action: event.action, previews: route.projects, refused: route.refused };
    return;
  }
  const route = service.accept(event);
  const branchPreviews = previews?.acceptPush(provider, event).projects ?? [];
  ctx.status = 202;
  ctx.body = { status: 'accepted', ref: event.ref, configRepo: route.config, projects: route.projects, ...(branchPreviews.length ? { previews: branchPreviews } : {}) };
}

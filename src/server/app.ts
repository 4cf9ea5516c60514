// createApp(deps) returns the Koa app without listening, so tests drive it in-process;
// createRequestListener puts the site handler in front of it for the real server.
import { existsSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Leadership } from '../ports/leadership.js';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { ConfigHistory } from '../ports/config-history.js';
import type { BuildQueue } from '../services/build-queue.js';
import type { HookDeliveryService } from '../services/hook-delivery.js';
import type { Logger } from '../services/logger.js';
import type { Metrics } from '../services/metrics.js';
import type { SiteTable } from '../services/site-table.js';
import type { SyncService } from '../services/sync-service.js';
import type { TriggerService } from '../services/trigger-service.js';
import type { ApiAuthOptions } from './api/auth.js';
import type { ConfigEditsFactory } from './api/config-changes.js';
import { apiRouter } from './api/router.js';
import { webhookRoutes, type WebhookOptions } from './hooks/webhooks.js';
import { dashboardRoutes, rootToDashboard } from './dashboard/routes.js';
import { opsRoutes } from './ops.js';
import { SiteFiles } from './site/site-files.js';
import { answeredLocally, forwardToLeader } from './forward-to-leader.js';
import { SiteHandler } from './site/site-handler.js';
import { SiteRouter } from './site/site-router.js';

export interface AppDeps {
  sync: SyncService;
  sites: SiteTable;
  store: ArtifactStore;
  queue: BuildQueue;
  logger: Logger;
  /** API token settings; by default no token, so changes are accepted from loopback only. */
  auth?: ApiAuthOptions;
  /** Outgoing hook deliveries: /api/v1/hooks answers 404 without them. */
  hooks?: HookDeliveryService;
  /** Explicit build triggers (POST /api/v1/projects/:project/builds); 503 without. */
  triggers?: TriggerService;
  /** Push webhooks at /hooks/<provider>; they answer 503 without a secret. */
  webhooks?: WebhookOptions;
  /** The config repo's history as the server knows it (its own clone), for deploy history. */
  history?: ConfigHistory;
  /** Prometheus metrics: /metrics answers 404 without them. */
  metrics?: Metrics;
  /**
   * What the site handler serves from, when it is not `sites`/`store`: with a shared (S3) store,
   * each replica's local mirror and its table, switched by the LiveFollower. The API keeps `store`.
   */
  serving?: Pick<AppDeps, 'sites' | 'store'>;
  /** A replica that does not sync is ready once its mirror caught up with the live pointers. */
  follower?: { readonly caughtUp: boolean };
  /** Behind a reverse proxy (an ingress): URLs in answers follow its X-Forwarded-Proto and X-Forwarded-Host. */
  trustProxy?: boolean;
  /** With several replicas: while another one leads, API and webhook requests go to it. */
  leadership?: Leadership;
  /** Where the config repo this server syncs lives (a path or URL), so the CLI can tell it is the one it edits. */
  configRepo?: string;
  /** Deploy and rollback from the dashboard: edits of the config repo when it is on this machine. */
  configEdits?: ConfigEditsFactory;
}

export function createSiteHandler({ sites, store }: Pick<AppDeps, 'sites' | 'store'>): SiteHandler {
  const router = new SiteRouter(sites, (project, version) => existsSync(store.versionDir(project, version)), (project) => store.projectDir(project));
  const handler = new SiteHandler(router, new SiteFiles((hash, coding) => store.variantPath(hash, coding)), (project, version) => store.versionDir(project, version), (project) => sites.recentlyLive(project));
  store.onVersionChange((project, version) => handler.forget(project, version));
  return handler;
}

export function createApp(deps: AppDeps, site: SiteHandler = createSiteHandler(deps.serving ?? deps)): Koa {
  // Only the URLs the API writes use these headers; auth looks at the socket's own address.
  const app = new Koa({ proxy: deps.trustProxy ?? false });
  const api = apiRouter(deps);
  // Errors after the head was sent (a streamed body): a client that went away is no failure, and
  // the rest go to the log rather than Koa's default stderr printing.
  app.on('error', (error: NodeJS.ErrnoException, ctx?: Koa.Context) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    deps.logger.error('response failed', { path: ctx?.path, error: String(error) });
  });
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      const expose = (error as { expose?: boolean }).expose === true;
      if (!expose) deps.logger.error('request failed', { path: ctx.path, error: String(error) });
      ctx.status = status;
      ctx.body = { error: expose ? (error as Error).message : 'internal error' };
    }
  });
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { ok: true };
      return;
    }
    return next();
  });
  app.use(opsRoutes(deps));
  app.use(dashboardRoutes());
  const hooks = webhookRoutes(deps.webhooks, deps.logger);
  app.use(hooks.routes());
  app.use(hooks.allowedMethods());
  app.use(api.routes());
  app.use(api.allowedMethods());
  // In-process callers (tests) reach sites through Koa too; the real server answers them before Koa.
  app.use(async (ctx, next) => {
    ctx.respond = false;
    if (site.handle(ctx.req, ctx.res)) return;
    ctx.respond = true;
    return next();
  });
  app.use(rootToDashboard());
  return app;
}

export function createRequestListener(deps: AppDeps, site: SiteHandler = createSiteHandler(deps.serving ?? deps)): RequestListener {
  const api = createApp(deps, site).callback();
  const { leadership } = deps;
  return (req, res) => {
    if (site.handle(req, res)) return;
    if (leadership && !leadership.isLeader() && !answeredLocally(req.url ?? '/')) return forwardToLeader(leadership, req, res);
    void api(req, res);
  };
}

// createApp(deps) returns the Koa app without listening, so tests drive it in-process;
// createRequestListener puts the site handler in front of it for the real server.
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import { EMBEDDED_ORIGINS, hostRole, type Origins } from '../domain/origins.js';
import type { SecretReader } from '../ports/secrets.js';
import { recentlyLiveOf } from '../services/site-table.js';
import { controlOf, siteServing, type AppDeps, type CoreDeps, type SiteServing } from './app-deps.js';
import { originGate } from './origin-gate.js';
import { apiRouter } from './api/router.js';
import { webhookRoutes } from './webhooks/webhooks.js';
import { dashboardRoutes, rootToDashboard } from './dashboard/routes.js';
import { sessionRoutes } from './dashboard/session-routes.js';
import { opsRoutes } from './ops.js';
import { SiteFiles } from './site/site-files.js';
import { answeredLocally, forwardToLeader } from './forward-to-leader.js';
import { SiteHandler } from './site/site-handler.js';
import { SiteRouter, type PreviewAliases } from './site/site-router.js';

export type { AppDeps, SiteServing } from './app-deps.js';

/** The site handler of these deps: serving from `serving` when set, on the hosts `origins` gives sites, with preview aliases. */
export function siteHandlerOf(deps: AppDeps): SiteHandler {
  return createSiteHandler(siteServing(deps), deps.secrets, deps.origins, deps.previews);
}

export function createSiteHandler({ sites, store }: SiteServing, secrets?: SecretReader, origins: Origins = EMBEDDED_ORIGINS, aliases?: PreviewAliases): SiteHandler {
  const router = new SiteRouter(sites, (project, version) => store.hasVersion(project, version), (project) => store.versionNames(project), origins, aliases);
  const handler = new SiteHandler(router, new SiteFiles((hash, coding) => store.variantPath(hash, coding)), (project, version) => store.versionDir(project, version), (pointer) => recentlyLiveOf(pointer), secrets);
  store.onVersionChange((project, version) => handler.forget(project, version));
  return handler;
}

export function createApp(deps: AppDeps, site: SiteHandler = siteHandlerOf(deps)): Koa {
  // Only the URLs the API writes use these headers; auth looks at the socket's own address.
  const app = new Koa({ proxy: deps.trustProxy ?? false });
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
  app.use(originGate(deps.origins ?? EMBEDDED_ORIGINS, site));
  const control = controlOf(deps);
  if (control) mountControl(app, control);
  return app;
}

/** The dashboard, the API, /readyz and /metrics, push webhooks: what a server that only serves files has none of. */
function mountControl(app: Koa, deps: CoreDeps): void {
  const api = apiRouter(deps);
  app.use(opsRoutes(deps));
  app.use(sessionRoutes(deps.auth?.token));
  app.use(dashboardRoutes());
  const hooks = webhookRoutes(deps.webhooks, deps.logger);
  app.use(hooks.routes());
  app.use(hooks.allowedMethods());
  app.use(api.routes());
  app.use(api.allowedMethods());
  app.use(rootToDashboard(deps.origins ?? EMBEDDED_ORIGINS));
}

export function createRequestListener(deps: AppDeps, site: SiteHandler = siteHandlerOf(deps)): RequestListener {
  const api = createApp(deps, site).callback();
  const leadership = controlOf(deps)?.leadership;
  return (req, res) => {
    if (site.handle(req, res)) return;
    // Only the dashboard's hosts are the leader's business: a site this replica cannot serve yet is its own 404.
    const dashboard = hostRole(deps.origins ?? EMBEDDED_ORIGINS, req.headers.host)?.kind === 'dashboard';
    if (leadership && dashboard && !leadership.isLeader() && !answeredLocally(req.url ?? '/')) return forwardToLeader(leadership, req, res);
    void api(req, res);
  };
}

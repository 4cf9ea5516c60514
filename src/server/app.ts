// createApp(deps) returns the Koa app without listening, so tests drive it in-process.
import Koa from 'koa';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { BuildQueue } from '../services/build-queue.js';
import type { Logger } from '../services/logger.js';
import type { SiteTable } from '../services/site-table.js';
import type { SyncService } from '../services/sync-service.js';
import { apiRouter } from './api-routes.js';
import { siteMiddleware } from './site-middleware.js';
import { VersionFiles } from './version-files.js';

export interface AppDeps {
  sync: SyncService;
  sites: SiteTable;
  store: ArtifactStore;
  queue: BuildQueue;
  logger: Logger;
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const api = apiRouter(deps);
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
  app.use(api.routes());
  app.use(api.allowedMethods());
  app.use(siteMiddleware({ sites: deps.sites, store: deps.store, files: new VersionFiles() }));
  return app;
}

// /api/v1: one module of routes per concern, behind the API auth.
import Router from '@koa/router';
import type { AppDeps } from '../app-deps.js';
import { artifactRoutes } from './artifacts.js';
import { apiAuth } from './auth.js';
import { buildRoutes } from './builds.js';
import { configChangeRoutes } from './config-changes.js';
import { historyRoutes } from './history.js';
import { hookRoutes } from './hooks.js';
import { openApiRoutes } from './openapi.js';
import { previewRoutes } from './previews.js';
import { projectRoutes } from './projects.js';
import { syncRoutes } from './sync.js';

export function apiRouter(deps: AppDeps): Router {
  // Case-sensitive like the prefix its middleware (the token check) is matched with: @koa/router
  // otherwise routes /API/v1/sync to the handler without running router.use() middleware.
  const router = new Router({ prefix: '/api/v1', sensitive: true });
  router.use(apiAuth(deps.auth ?? { protectReads: false }));
  projectRoutes(router, deps);
  artifactRoutes(router, deps);
  historyRoutes(router, deps);
  previewRoutes(router, deps);
  hookRoutes(router, deps);
  openApiRoutes(router);
  syncRoutes(router, deps);
  buildRoutes(router, deps);
  configChangeRoutes(router, deps);
  return router;
}

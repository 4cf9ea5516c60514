// /api/v1: one module of routes per concern, behind the API auth.
import Router from '@koa/router';
import type { AppDeps } from '../app.js';
import { apiAuth } from './auth.js';
import { projectRoutes } from './projects.js';
import { syncRoutes } from './sync.js';

export function apiRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.use(apiAuth(deps.auth ?? { protectReads: false }));
  projectRoutes(router, deps);
  syncRoutes(router, deps);
  return router;
}

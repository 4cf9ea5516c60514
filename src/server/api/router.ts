// /api/v1: one module of routes per concern, behind the API auth.
import Router from '@koa/router';
import { parseBuildId } from '../../domain/builds.js';
import type { CoreDeps } from '../app-deps.js';
import { ProjectAccess } from '../access/project-access.js';
import { artifactRoutes } from './artifacts.js';
import { apiAuth, hasCredential } from './auth.js';
import { buildRoutes } from './builds.js';
import { certificateRoutes } from './certificates.js';
import { configChangeRoutes } from './config-changes.js';
import { historyRoutes } from './history.js';
import { hookRoutes } from './hooks.js';
import { openApiRoutes } from './openapi.js';
import { previewRoutes } from './previews.js';
import { projectRoutes } from './projects.js';
import { syncRoutes } from './sync.js';

export function apiRouter(deps: CoreDeps): Router {
  // Case-sensitive like the prefix its middleware (the token check) is matched with: @koa/router
  // otherwise routes /API/v1/sync to the handler without running router.use() middleware.
  const router = new Router({ prefix: '/api/v1', sensitive: true });
  router.use(apiAuth(deps.auth ?? { protectReads: false }));
  const access = projectAccess(deps);
  // Everything under a project's name (or a build id of it) is as private as the project.
  router.param('name', async (name, ctx, next) => (await access.check(ctx, name), next()));
  router.param('project', async (name, ctx, next) => (await access.check(ctx, name), next()));
  router.param('id', async (raw, ctx, next) => {
    const project = ctx.path.includes('/builds/') ? parseBuildId(safeDecode(raw))?.project : undefined;
    if (project) await access.check(ctx, project);
    return next();
  });
  // Deliveries hold the bodies sent to hooks (about every project): the token's only.
  router.use('/hooks', async (ctx, next) => (hasCredential(ctx) ? next() : ctx.throw(401, 'hook deliveries need the API token')));
  projectRoutes(router, deps, access);
  artifactRoutes(router, deps);
  historyRoutes(router, deps);
  previewRoutes(router, deps);
  hookRoutes(router, deps);
  openApiRoutes(router);
  syncRoutes(router, deps);
  buildRoutes(router, deps, access);
  certificateRoutes(router, deps);
  configChangeRoutes(router, deps);
  return router;
}

export function projectAccess(deps: Pick<CoreDeps, 'sites' | 'sync' | 'secrets'>): ProjectAccess {
  return new ProjectAccess((project) => deps.sites.pointer(project)?.site?.auth ?? deps.sync.desiredState?.projects.find((p) => p.name === project)?.site.auth, deps.secrets);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

import Router from '@koa/router';
import { projectStatuses } from '../services/project-status.js';
import type { AppDeps } from './app.js';

export function apiRouter(deps: AppDeps): Router {
  const router = new Router({ prefix: '/api/v1' });
  router.get('/projects', async (ctx) => {
    ctx.body = { projects: await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store) };
  });
  router.get('/projects/:name', async (ctx) => {
    const project = (await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store)).find((p) => p.name === ctx.params.name);
    if (!project) ctx.throw(404, `no project "${ctx.params.name}"`);
    ctx.body = project;
  });
  router.get('/sync', (ctx) => {
    ctx.body = deps.sync.lastReport ?? { status: 'no sync yet' };
  });
  router.post('/sync', async (ctx) => {
    ctx.body = await deps.sync.sync();
  });
  return router;
}

import type Router from '@koa/router';
import { projectStatuses } from '../../services/project-status.js';
import type { CoreDeps } from '../app-deps.js';
import { serverOrigin } from './origin.js';

export function projectRoutes(router: Router, deps: Pick<CoreDeps, 'queue' | 'sites' | 'store' | 'sync'>): void {
  router.get('/projects', async (ctx) => {
    ctx.body = { projects: await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, serverOrigin(ctx)) };
  });
  router.get('/projects/:name', async (ctx) => {
    const project = (await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, serverOrigin(ctx))).find((p) => p.name === ctx.params.name);
    if (!project) ctx.throw(404, `no project "${ctx.params.name}"`);
    ctx.body = project;
  });
}

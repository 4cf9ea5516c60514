import type Router from '@koa/router';
import { projectStatuses } from '../../services/project-status.js';
import type { CoreDeps } from '../app-deps.js';
import { serverOrigin } from './origin.js';

export function projectRoutes(router: Router, deps: Pick<CoreDeps, 'queue' | 'sites' | 'store' | 'sync'>): void {
  router.get('/projects', async (ctx) => {
    ctx.body = { projects: await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, serverOrigin(ctx)) };
  });
  router.get('/projects/:name', async (ctx) => {
    const all = await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, serverOrigin(ctx));
    const project = all.find((p) => p.name === ctx.params.name);
    if (!project) ctx.throw(404, `no project "${ctx.params.name}"${all.length ? `; known projects: ${all.map((p) => p.name).join(', ')}` : ''}`);
    ctx.body = project;
  });
}

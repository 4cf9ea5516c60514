import type Router from '@koa/router';
import { projectStatuses } from '../../services/project-status.js';
import type { ProjectAccess } from '../access/project-access.js';
import type { CoreDeps } from '../app-deps.js';
import { sitesOf } from './origin.js';

export function projectRoutes(router: Router, deps: Pick<CoreDeps, 'queue' | 'sites' | 'store' | 'sync' | 'origins'>, access: ProjectAccess): void {
  router.get('/projects', async (ctx) => {
    const all = await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, sitesOf(ctx, deps));
    ctx.body = { projects: all.filter((p) => access.listed(ctx, p.name)) };
  });
  router.get('/projects/:name', async (ctx) => {
    const all = (await projectStatuses(deps.sync, deps.sites, deps.queue, deps.store, sitesOf(ctx, deps))).filter((p) => access.listed(ctx, p.name) || p.name === ctx.params.name);
    const project = all.find((p) => p.name === ctx.params.name);
    // Only names this client may list are offered (a private project's name is not told to strangers).
    if (!project) ctx.throw(404, `no project "${ctx.params.name}"${all.length ? `; known projects: ${all.map((p) => p.name).join(', ')}` : ''}`);
    ctx.body = project;
  });
}

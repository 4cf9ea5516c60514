// The previews of a project (pull requests and branches), with their URLs as the client reaches the server.
import type Router from '@koa/router';
import { isProjectName } from '../../domain/names.js';
import { previewLinks } from '../../domain/previews/preview-links.js';
import { previewView } from '../../domain/previews/preview-view.js';
import type { CoreDeps } from '../app-deps.js';
import { serverOrigin } from './origin.js';

export function previewRoutes(router: Router, deps: Pick<CoreDeps, 'sync' | 'sites' | 'previews'>): void {
  router.get('/projects/:name/previews', (ctx) => {
    const name = String(ctx.params.name);
    const configured = deps.sync.desiredState?.projects.find((p) => p.name === name);
    const previews = deps.previews?.list(name) ?? [];
    if (!isProjectName(name) || (!configured && previews.length === 0)) ctx.throw(404, `no project "${name}"`);
    const origin = serverOrigin(ctx);
    ctx.body = {
      project: name,
      enabled: configured?.previews !== undefined,
      previews: previews
        .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
        .map((p) => previewView(p, previewLinks(origin, deps.sites.previewDomain, name, p.alias, p.commit))),
    };
  });
}

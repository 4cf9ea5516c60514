// The deploy history of a project, read from the server's own clone of the config repo.
import type Router from '@koa/router';
import { describeEntry, deployHistory } from '../../domain/deploy-history.js';
import { projectFilePath } from '../../domain/desired-state.js';
import { isProjectName } from '../../domain/names.js';
import type { CoreDeps } from '../app-deps.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function historyRoutes(router: Router, deps: Pick<CoreDeps, 'history' | 'sites'>): void {
  router.get('/projects/:name/history', async (ctx) => {
    const name = String(ctx.params.name);
    if (!isProjectName(name)) ctx.throw(404, `no project "${name}"`);
    const asked = Number(ctx.query.limit ?? DEFAULT_LIMIT);
    if (!Number.isInteger(asked) || asked < 1) ctx.throw(400, 'limit must be a positive integer');
    const revisions = deps.history ? await deps.history.fileHistory(projectFilePath(name), Math.min(asked, MAX_LIMIT)) : [];
    if (revisions.length === 0 && !deps.sites.liveVersion(name)) ctx.throw(404, `no project "${name}" in the config repo's history`);
    ctx.body = { project: name, history: deployHistory(revisions).map((entry) => ({ ...entry, summary: describeEntry(entry) })) };
  });
}

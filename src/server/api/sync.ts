// GET /api/v1/sync: the last sync's report (without the token: only when and at which commit, since
// its actions and problems name private projects too); POST runs a sync now.
import type Router from '@koa/router';
import type { CoreDeps } from '../app-deps.js';
import { hasCredential } from './auth.js';

export function syncRoutes(router: Router, deps: Pick<CoreDeps, 'sync'>): void {
  router.get('/sync', (ctx) => {
    const report = deps.sync.lastReport;
    if (!report) ctx.body = { status: 'no sync yet' };
    else ctx.body = hasCredential(ctx) ? report : { at: report.at, ...(report.commit ? { commit: report.commit } : {}), ...(report.error ? { error: report.error } : {}) };
  });
  router.post('/sync', async (ctx) => {
    ctx.body = await deps.sync.sync();
  });
}

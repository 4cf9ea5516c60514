// GET /api/v1/sync: the last sync's report (without the token: only when and at which commit, since
// its actions and problems name private projects too); POST runs a sync now.
import type Router from '@koa/router';
import { redactText } from '../../domain/redact.js';
import type { CoreDeps } from '../app-deps.js';
import { hasCredential } from './auth.js';

/** Sync reports carry the config repo the server reads (credentials cut out), so a CLI can tell it is the one it edited. */
export function syncRoutes(router: Router, deps: Pick<CoreDeps, 'sync' | 'configRepo'>): void {
  const config = deps.configRepo ? { config: redactText(deps.configRepo) } : {};
  router.get('/sync', (ctx) => {
    const report = deps.sync.lastReport;
    if (!report) ctx.body = { status: 'no sync yet' };
    else ctx.body = hasCredential(ctx) ? { ...report, ...config } : { at: report.at, ...(report.commit ? { commit: report.commit } : {}), ...(report.error ? { error: report.error } : {}) };
  });
  router.post('/sync', async (ctx) => {
    ctx.body = { ...(await deps.sync.sync()), ...config };
  });
}

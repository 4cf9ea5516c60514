// What operators' tools poll: /readyz (ready once the first sync has finished, or the mirror caught up) and /metrics
// (Prometheus text; behind the API token when reads are protected).
import type { Middleware } from 'koa';
import type { CoreDeps } from './app-deps.js';
import { apiAuth } from './api/auth.js';

export function opsRoutes(deps: Pick<CoreDeps, 'auth' | 'follower' | 'metrics' | 'sync'>): Middleware {
  const auth = apiAuth(deps.auth ?? { protectReads: false });
  return async (ctx, next) => {
    if (ctx.path === '/readyz') {
      const report = deps.sync.lastReport;
      // With a shared store, serving what is live is enough: a replica without the sync Lease never has a report.
      const ready = report !== undefined || deps.follower?.caughtUp === true;
      ctx.status = ready ? 200 : 503;
      ctx.body = ready ? { ready: true, ...(report ? { lastSync: report.at } : { following: true }) } : { ready: false, reason: deps.follower ? 'the first sync has not finished, nor has the mirror caught up with the live versions' : 'the first sync has not finished yet' };
      return;
    }
    if (ctx.path === '/metrics' && deps.metrics && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      const { metrics } = deps;
      return auth(ctx, async () => {
        ctx.type = metrics.contentType;
        ctx.body = await metrics.text();
      });
    }
    return next();
  };
}

// What operators' tools poll: /readyz (ready once the first sync has finished) and /metrics
// (Prometheus text; behind the API token when reads are protected).
import type { Middleware } from 'koa';
import type { AppDeps } from './app.js';
import { apiAuth } from './api/auth.js';

export function opsRoutes(deps: AppDeps): Middleware {
  const auth = apiAuth(deps.auth ?? { protectReads: false });
  return async (ctx, next) => {
    if (ctx.path === '/readyz') {
      const report = deps.sync.lastReport;
      ctx.status = report ? 200 : 503;
      ctx.body = report ? { ready: true, lastSync: report.at } : { ready: false, reason: 'the first sync has not finished yet' };
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

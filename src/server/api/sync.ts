import type Router from '@koa/router';
import type { CoreDeps } from '../app-deps.js';

export function syncRoutes(router: Router, deps: Pick<CoreDeps, 'sync'>): void {
  router.get('/sync', (ctx) => {
    ctx.body = deps.sync.lastReport ?? { status: 'no sync yet' };
  });
  router.post('/sync', async (ctx) => {
    ctx.body = await deps.sync.sync();
  });
}

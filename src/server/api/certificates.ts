import type Router from '@koa/router';
import type { CoreDeps } from '../app-deps.js';

/** GET /certificates: every certificate Opus serves (own files, ACME) with its expiry and any failing renewal. */
export function certificateRoutes(router: Router, deps: Pick<CoreDeps, 'certificates'>): void {
  router.get('/certificates', (ctx) => {
    ctx.body = { https: deps.certificates !== undefined, certificates: deps.certificates?.() ?? [] };
  });
}

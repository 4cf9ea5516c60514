import type Router from '@koa/router';
import { redactText } from '../../domain/redact.js';
import type { CoreDeps } from '../app-deps.js';

/** Sync reports carry the config repo the server reads (credentials cut out), so a CLI can tell it is the one it edited. */
export function syncRoutes(router: Router, deps: Pick<CoreDeps, 'sync' | 'configRepo'>): void {
  const config = deps.configRepo ? { config: redactText(deps.configRepo) } : {};
  router.get('/sync', (ctx) => {
    ctx.body = { ...(deps.sync.lastReport ?? { status: 'no sync yet' }), ...config };
  });
  router.post('/sync', async (ctx) => {
    ctx.body = { ...(await deps.sync.sync()), ...config };
  });
}

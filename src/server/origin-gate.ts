// In front of everything Koa answers: a request for a site host is the site handler's (in-process
// callers reach sites through Koa too; the real server answers them before Koa), the dashboard's
// hosts get the dashboard, the API and the push webhooks, and any other Host a plain 404 (never
// another site, never the dashboard). /readyz and /metrics answer on any host that is not a site's,
// for probes and scrapers that address the server by its IP.
import type { Middleware } from 'koa';
import { hostRole, type Origins } from '../domain/origins.js';
import type { SiteHandler } from './site/site-handler.js';

const ANY_HOST = new Set(['/readyz', '/metrics']);

export function originGate(origins: Origins, site: SiteHandler): Middleware {
  return async (ctx, next) => {
    ctx.respond = false;
    if (site.handle(ctx.req, ctx.res)) return;
    ctx.respond = true;
    const role = hostRole(origins, ctx.get('Host'));
    if (role?.kind === 'dashboard' || (ANY_HOST.has(ctx.path) && role?.kind !== 'site')) return next();
    ctx.status = 404;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'Not found';
  };
}

// The dashboard's login: POST /_opus/session with {"token": "<API token>"} sets the session cookie
// (HttpOnly, SameSite=Strict, host-only: no script ever holds the token); POST /_opus/logout ends
// it; GET /_opus/session says whether this browser is logged in. Both POSTs are checked like every
// cookie-made change: from the dashboard's own origin with its request header (see request-origin).
import type { Context, Middleware } from 'koa';
import { DASHBOARD_REQUEST_HEADER, crossOriginProblem } from '../../domain/request-origin.js';
import { credentialOf } from '../api/auth.js';
import { sameSecret } from '../api/secrets.js';
import { endedSessionCookie, newSession, sessionCookie } from '../api/session.js';
import { readJsonObject } from '../raw-body.js';

export function sessionRoutes(token: string | undefined): Middleware {
  return async (ctx, next) => {
    if (ctx.path === '/_opus/session' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { loggedIn: credentialOf(ctx, token) !== undefined };
      return;
    }
    if (ctx.method !== 'POST' || (ctx.path !== '/_opus/session' && ctx.path !== '/_opus/logout')) return next();
    const problem = crossOriginProblem({ host: ctx.get('Host'), origin: ctx.get('Origin') || undefined, secFetchSite: ctx.get('Sec-Fetch-Site') || undefined, customHeader: ctx.get(DASHBOARD_REQUEST_HEADER) || undefined });
    if (problem) return ctx.throw(403, problem);
    ctx.set('Cache-Control', 'no-store');
    if (ctx.path === '/_opus/logout') {
      ctx.set('Set-Cookie', endedSessionCookie(secure(ctx)));
      ctx.status = 204;
      return;
    }
    const body = await readJsonObject(ctx.req);
    const given = typeof body.token === 'string' ? body.token.trim() : '';
    if (!token || !sameSecret(given, token)) return ctx.throw(401, 'that is not this server\'s API token');
    ctx.set('Set-Cookie', sessionCookie(newSession(token), secure(ctx)));
    ctx.status = 204;
  };
}

function secure(ctx: Context): boolean {
  return ctx.protocol === 'https';
}

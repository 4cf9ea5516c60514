// API authentication: every change needs a credential, the API token as `Authorization: Bearer`,
// or the dashboard's session cookie (made from the token) together with a request from the
// dashboard's own origin. Nothing is trusted for where it comes from: a host-network build and a
// reverse proxy are on this machine too. Reads are public unless --protect-reads (see access/).
import type { Context, Middleware } from 'koa';
import { DASHBOARD_REQUEST_HEADER, crossOriginProblem } from '../../domain/request-origin.js';
import { sameSecret } from './secrets.js';
import { SESSION_COOKIE, cookieValues, validSession } from './session.js';

export interface ApiAuthOptions {
  /** The token clients send as `Authorization: Bearer <token>`; without one every change is refused. */
  token?: string;
  /** Require the token for reading too. */
  protectReads: boolean;
}

export type Credential = 'token' | 'session';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Which credential the request carries, if any (checked, not just present). */
export function credentialOf(ctx: Context, token: string | undefined): Credential | undefined {
  if (!token) return undefined;
  const bearer = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1];
  if (bearer !== undefined) return sameSecret(bearer, token) ? 'token' : undefined;
  // A few values at most: more are a tossing attempt, not a browser's own cookies.
  return cookieValues(ctx.get('Cookie'), SESSION_COOKIE).slice(0, 8).some((value) => validSession(token, value)) ? 'session' : undefined;
}

export function apiAuth(options: ApiAuthOptions): Middleware {
  return async (ctx, next) => {
    const read = READS.has(ctx.method);
    const credential = credentialOf(ctx, options.token);
    ctx.state.credential = credential;
    if (read && !options.protectReads) return next();
    if (!options.token) return ctx.throw(401, 'this Opus server has no API token, so it accepts no changes: set OPUS_API_TOKEN on the server');
    if (!credential) {
      // A missing token and a wrong one are told apart (neither says anything about the right one).
      const given = /^Bearer (.+)$/.test(ctx.get('Authorization'));
      ctx.set('WWW-Authenticate', given ? 'Bearer realm="opus", error="invalid_token"' : 'Bearer realm="opus"');
      return ctx.throw(401, given ? 'the API token is wrong: it is not the one this server was started with' : 'a valid API token is required: send Authorization: Bearer <token> (opus login saves one)');
    }
    if (credential === 'session' && !read) {
      const problem = crossOriginProblem({ host: ctx.get('Host'), origin: ctx.get('Origin') || undefined, secFetchSite: ctx.get('Sec-Fetch-Site') || undefined, customHeader: ctx.get(DASHBOARD_REQUEST_HEADER) || undefined });
      if (problem) return ctx.throw(403, problem);
    }
    return next();
  };
}

/** True when an earlier apiAuth found the API token or a session on this request. */
export function hasCredential(ctx: Context): boolean {
  return ctx.state.credential === 'token' || ctx.state.credential === 'session';
}

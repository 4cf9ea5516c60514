// API authentication: a bearer token guards everything that changes state (and, by setting,
// reading too). Without a configured token, changes are accepted from this machine only.
import { timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { FORWARDED_HEADER } from '../forward-to-leader.js';

export interface ApiAuthOptions {
  /** The token clients send as `Authorization: Bearer <token>`; undefined when none is set. */
  token?: string;
  /** Require the token for reading too. */
  protectReads: boolean;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function apiAuth(options: ApiAuthOptions): Middleware {
  return async (ctx, next) => {
    const read = READS.has(ctx.method);
    if (read && !options.protectReads) return next();
    const { token } = options;
    if (token === undefined) {
      // A request another replica forwarded came from wherever that replica was asked: not from here.
      if (read || (isLoopback(ctx.socket.remoteAddress) && !ctx.get(FORWARDED_HEADER))) return next();
      return ctx.throw(401, 'this Opus server has no API token: set OPUS_API_TOKEN on the server to change state remotely');
    }
    const given = /^Bearer (.+)$/.exec(ctx.get('Authorization'))?.[1] ?? '';
    if (!sameSecret(given, token)) {
      // A missing token and a wrong one are told apart (neither says anything about the right one).
      ctx.set('WWW-Authenticate', given ? 'Bearer realm="opus", error="invalid_token"' : 'Bearer realm="opus"');
      ctx.throw(401, given ? 'the API token is wrong: it is not the one this server was started with' : 'an API token is required: send Authorization: Bearer <token> (opus login saves one)');
    }
    return next();
  };
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}

// The dashboard under /_opus/: one HTML page, one script, one stylesheet, served from memory.
// No project can be called "_opus" (names start with a letter or digit), so the site handler
// never answers these paths.
import { createHash } from 'node:crypto';
import { hostRole, type Origins } from '../../domain/origins.js';
import type { Middleware } from 'koa';
import { ICON, PAGE } from './page.js';
import { ACTIONS_SCRIPT } from './actions-script.js';
import { LOG_SCRIPT } from './log-script.js';
import { SCRIPT } from './script.js';
import { SESSION_SCRIPT } from './session-script.js';
import { STYLE } from './style.js';

interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

const asset = (type: string, text: string): Asset => {
  const body = Buffer.from(text);
  return { type, body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
};

const ASSETS = new Map<string, Asset>([
  ['/_opus/', asset('text/html; charset=utf-8', PAGE)],
  ['/_opus/app.js', asset('text/javascript; charset=utf-8', LOG_SCRIPT + ACTIONS_SCRIPT + SCRIPT + SESSION_SCRIPT)],
  ['/_opus/app.css', asset('text/css; charset=utf-8', STYLE)],
  ['/_opus/icon.svg', asset('image/svg+xml', ICON)],
]);

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Last in the chain: the server's own root (reached by `localhost` or an IP address, where no site
 * answered) sends a newcomer to the dashboard. Any other host stays a 404: it may be a domain whose
 * project is not live, and must not turn into the dashboard.
 */
export function rootToDashboard(origins: Origins): Middleware {
  return async (ctx, next) => {
    const own = hostRole(origins, ctx.get('Host'))?.kind === 'dashboard';
    if (own && ctx.path === '/' && (ctx.method === 'GET' || ctx.method === 'HEAD')) return ctx.redirect('/_opus/');
    return next();
  };
}

export function dashboardRoutes(): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/_opus' && !ctx.path.startsWith('/_opus/')) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      return ctx.throw(405, 'the dashboard is read-only');
    }
    if (ctx.path === '/_opus') return ctx.redirect('/_opus/');
    const found = ASSETS.get(ctx.path);
    if (!found) return ctx.throw(404, 'no such dashboard file');
    ctx.set(SECURITY_HEADERS);
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('ETag', found.etag);
    ctx.type = found.type;
    if (ctx.get('If-None-Match') === found.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = found.body;
  };
}

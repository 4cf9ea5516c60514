// Serves sites straight on node:http, in front of Koa: a site request never pays for the API's
// middleware. Order, as on Netlify: auth → safe path → file → redirect rules → SPA → 404 page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headersFor } from '../../domain/header-rules.js';
import { matchRedirect } from '../../domain/redirects.js';
import { cacheControl } from '../cache-policy.js';
import { parseSitePath } from '../request-path.js';
import { BasicAuth } from './basic-auth.js';
import { sendFile, sendStatus } from './send-file.js';
import type { SiteFile, SiteFiles } from './site-files.js';
import type { SiteRouter, SiteTarget } from './site-router.js';
import { SiteRulesCache } from './site-rules.js';

/** A path whose last segment has an extension asks for a file, never for the SPA's index.html. */
const ASSET_LIKE = /\.[A-Za-z0-9]{1,8}$/;

export class SiteHandler {
  private readonly rules = new SiteRulesCache();
  private readonly auth = new BasicAuth();

  constructor(
    private readonly router: SiteRouter,
    private readonly files: SiteFiles,
    private readonly versionDir: (project: string, version: string) => string,
  ) {}

  /** Handles the request when it is for a site and returns true; false leaves it to the API. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (!path.startsWith('/')) return false;
    const target = this.router.route(req.headers.host, path);
    if (!target) return false;
    this.serve(req, res, target, query < 0 ? '' : url.slice(query)).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, 'Internal error');
      else res.destroy(error as Error);
    });
    return true;
  }

  private async serve(req: IncomingMessage, res: ServerResponse, target: SiteTarget, query: string): Promise<void> {
    const { options } = target;
    if (!this.auth.allows(options.auth, req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', `Basic realm="${target.project}", charset="UTF-8"`);
      return sendStatus(res, 401, 'Authentication required');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendStatus(res, 405, 'Method not allowed');
    }
    if (target.path === '') return redirect(res, `${target.base}/${query}`);
    const parsed = parseSitePath(target.path);
    if (!parsed.ok) return sendStatus(res, parsed.status, parsed.status === 404 ? 'Not found' : 'Bad request path');

    const root = this.versionDir(target.project, target.version);
    const relative = parsed.segments.join('/');
    const sitePath = `/${relative}${parsed.trailingSlash && relative ? '/' : ''}`;
    const found = await this.find(root, relative, parsed.trailingSlash);
    const rules = await this.rules.get(root, options);
    const extra = (path: string) => headersFor(rules.headers, path);

    const rule = matchRedirect(rules.redirects, sitePath, found !== undefined);
    if (rule) {
      const { status } = rule.rule;
      if (status >= 300 && status < 400) return redirect(res, (rule.target.startsWith('/') ? target.base : '') + rule.target + (rule.target.includes('?') ? '' : query), status);
      if (status === 410) return sendStatus(res, 410, 'Gone');
      const rewritten = await this.find(root, rule.target.replace(/^\/+/, '').replace(/[?#].*$/, ''), rule.target.endsWith('/'));
      if (rewritten && 'file' in rewritten) return sendFile(req, res, rewritten.file, status, 'no-cache', extra(sitePath));
    }
    if (found && 'redirect' in found) return redirect(res, `${target.base}${sitePath}/${query}`);
    if (found) return sendFile(req, res, found.file, 200, cacheControl(found.file.path, false), extra(sitePath));
    if (options.spa && !ASSET_LIKE.test(sitePath)) {
      const index = await this.files.read(root, 'index.html');
      if (index) return sendFile(req, res, index, 200, 'no-cache', extra(sitePath));
    }
    return this.notFound(req, res, root, extra(sitePath));
  }

  /** The file for a path: exact, index.html of a directory (redirecting to add the slash), or clean URL .html. */
  private async find(root: string, relative: string, trailingSlash: boolean): Promise<{ file: SiteFile } | { redirect: true } | undefined> {
    if (trailingSlash || relative === '') {
      const index = await this.files.read(root, relative ? `${relative}/index.html` : 'index.html');
      return index ? { file: index } : undefined;
    }
    const exact = await this.files.read(root, relative);
    if (exact) return { file: exact };
    if (await this.files.read(root, `${relative}/index.html`)) return { redirect: true };
    const html = await this.files.read(root, `${relative}.html`);
    return html ? { file: html } : undefined;
  }

  private async notFound(req: IncomingMessage, res: ServerResponse, root: string, headers: Record<string, string>): Promise<void> {
    const page = await this.files.read(root, '404.html');
    if (page) return sendFile(req, res, page, 404, 'no-cache', headers);
    return sendStatus(res, 404, 'Not found');
  }
}

function redirect(res: ServerResponse, location: string, status = 301): void {
  res.writeHead(status, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-cache' });
  res.end();
}

// Serves the live version of each project: on its domains at /, and everywhere at /<project>/.
import type { Context, Middleware } from 'koa';
import type { ArtifactStore } from '../ports/artifact-store.js';
import type { SiteTable } from '../services/site-table.js';
import { cacheControl } from './cache-policy.js';
import { parseSitePath } from './request-path.js';
import type { SiteFile, VersionFiles } from './version-files.js';

export interface SiteDeps {
  sites: SiteTable;
  store: ArtifactStore;
  files: VersionFiles;
}

export function siteMiddleware({ sites, store, files }: SiteDeps): Middleware {
  return async (ctx, next) => {
    const target = route(ctx, sites);
    if (!target) return next();
    if (target.redirect) return redirect(ctx, target.redirect);
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      ctx.status = 405;
      return;
    }
    const parsed = parseSitePath(target.path);
    if (!parsed.ok) {
      ctx.status = parsed.status;
      ctx.body = parsed.status === 404 ? 'Not found' : 'Bad request path';
      return;
    }
    const root = store.versionDir(target.project, target.version);
    const relative = parsed.segments.join('/');
    if (parsed.trailingSlash || relative === '') return send(ctx, await files.read(root, `${relative}${relative ? '/' : ''}index.html`), root, files);
    const file = await files.read(root, relative);
    if (file) return send(ctx, file, root, files);
    // Clean URLs: /about serves about.html; a directory /docs redirects to /docs/ so relative links work.
    if (await files.read(root, `${relative}/index.html`)) return redirect(ctx, `${target.base}${target.path}/`);
    return send(ctx, await files.read(root, `${relative}.html`), root, files);
  };
}

interface Target {
  project: string;
  version: string;
  /** The URL prefix the site lives under ("" on its own domain, "/<project>" otherwise). */
  base: string;
  path: string;
  redirect?: string;
}

function route(ctx: Context, sites: SiteTable): Target | undefined {
  const byHost = sites.projectForHost(ctx.hostname.toLowerCase());
  const hostVersion = byHost ? sites.liveVersion(byHost) : undefined;
  if (byHost && hostVersion) return { project: byHost, version: hostVersion, base: '', path: ctx.path };
  const match = /^\/([^/]+)(\/.*)?$/.exec(ctx.path);
  const project = match?.[1];
  const version = project ? sites.liveVersion(project) : undefined;
  if (!project || !version) return undefined;
  const path = match?.[2];
  return { project, version, base: `/${project}`, path: path ?? '', ...(path ? {} : { redirect: `/${project}/` }) };
}

async function send(ctx: Context, file: SiteFile | undefined, root: string, files: VersionFiles): Promise<void> {
  const fallback = file ? undefined : await files.read(root, '404.html');
  const chosen = file ?? fallback;
  if (!chosen) {
    ctx.status = 404;
    ctx.body = 'Not found';
    return;
  }
  ctx.status = file ? 200 : 404;
  ctx.set('Content-Type', chosen.contentType);
  ctx.set('Cache-Control', cacheControl(ctx.path, !file));
  ctx.set('X-Content-Type-Options', 'nosniff');
  if (file) {
    ctx.set('ETag', file.etag);
    ctx.set('Last-Modified', file.lastModified.toUTCString());
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
  }
  ctx.body = chosen.body;
}

function redirect(ctx: Context, location: string): void {
  ctx.status = 301;
  ctx.set('Location', location + (ctx.querystring ? `?${ctx.querystring}` : ''));
}

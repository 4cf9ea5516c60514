// Serves sites straight on node:http, in front of Koa: a site request never pays for the API's
// middleware. Order, as on Netlify: auth → safe path → file → redirect rules → SPA → 404 page.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteOptions } from '../../domain/desired-state.js';
import type { LivePointer } from '../../domain/live-pointers.js';
import { headersFor } from '../../domain/header-rules.js';
import { matchRedirect } from '../../domain/redirects.js';
import { cacheControl, isFingerprinted } from '../cache-policy.js';
import { parseSitePath } from '../request-path.js';
import type { SecretReader } from '../../ports/secrets.js';
import { BasicAuth } from './basic-auth.js';
import { sendFile, sendStatus, type FileResponse } from './send-file.js';
import type { SiteFile, SiteFiles } from './site-files.js';
import type { SiteRouter, SiteTarget } from './site-router.js';
import { SiteRulesCache } from './site-rules.js';

/** A path whose last segment has an extension asks for a file, never for the SPA's index.html. */
const ASSET_LIKE = /\.[A-Za-z0-9]{1,8}$/;
/** Routes the fast path remembers; past that they are all dropped and found again. */
const MAX_ROUTES = 10_000;
/**
 * Remembered answers: each refers to a file SiteFiles keeps (so the bodies are held once, whatever
 * the spelling of the URL), and all of them together are bounded in count and in key bytes.
 */
const MAX_ANSWERS = 100_000;
const MAX_ANSWER_KEY_BYTES = 16 * 1024 ** 2;
const MAX_REMEMBERED_PATH = 1024;

/** Writes an answer that is not a file (a redirect, an error). */
type Reply = (res: ServerResponse) => void;

export class SiteHandler {
  private readonly rules = new SiteRulesCache();
  /**
   * Versions are immutable, so what a path answers is fixed for a version and its site options:
   * after the first request it is one map lookup. Keyed by the options object, which a switch replaces.
   */
  private answers = new WeakMap<SiteOptions, Map<string, FileResponse>>();
  /**
   * The same answers by the file they resolve to (version, file, status and headers): every
   * spelling of a URL for one file shares one answer, so one set of prebuilt headers and wire heads.
   */
  private byFile = new WeakMap<SiteOptions, Map<string, FileResponse>>();
  /** Bumped when a version is removed or published again, so its remembered answers no longer match. */
  private readonly generations = new Map<string, number>();
  private forgotten = 0;
  private answerCount = 0;
  private answersAtEviction = 0;
  private answerKeyBytes = 0;
  private answerDrops = 0;
  /**
   * Routes of the fast path by host and request target, valid while neither the site table nor the
   * versions changed: clients repeat the same strings, so this is two lookups instead of a route.
   */
  private readonly routes = new Map<string | undefined, Map<string, KnownRoute>>();
  private routeCount = 0;

  constructor(
    private readonly router: SiteRouter,
    private readonly files: SiteFiles,
    private readonly versionDir: (project: string, version: string) => string,
    /** Versions that were live recently before a live pointer's, newest first (see recentlyLiveOf). */
    private readonly recentlyLive: (pointer: LivePointer) => string[] = () => [],
    /** The server's secrets (a site's basic auth hash); none known means every protected site refuses. */
    secrets: SecretReader = () => undefined,
  ) {
    this.auth = new BasicAuth(secrets);
  }

  private readonly auth: BasicAuth;

  /** Handles the request when it is for a site and returns true; false leaves it to the API. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const request = siteRequest(req.url ?? '/', req.headers.host);
    const target = request && this.router.route(request.host, request.path);
    if (!request || !target) return false;
    const key = answerKey(target, this.generations);
    const known = req.method === 'GET' || req.method === 'HEAD' ? this.keptAnswer(target, key) : undefined;
    if (known) {
      sendFile(req, res, known);
      return true;
    }
    this.resolve(target, request.query, req).then((outcome) => {
      if (typeof outcome === 'function') return outcome(res);
      sendFile(req, res, outcome);
      this.remember(target, key, outcome);
    }).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, 500, 'Internal error');
      else res.destroy(error as Error);
    });
    return true;
  }

  /** What a GET or HEAD of this URL answers, when that is already known (no I/O, no auth): for the fast path. */
  kept(url: string, hostHeader: string | undefined): FileResponse | undefined {
    const route = this.knownRoute(url, hostHeader);
    return route && this.keptAnswer(route.target, route.key);
  }

  /**
   * Works out and keeps the answer of a GET of this URL, so that `kept` has it: for the fast path,
   * which would otherwise hand a keep-alive connection to node:http for good at the first file not
   * read yet (after a start or a deploy). Undefined when there is nothing to keep (not a site, auth).
   */
  warm(url: string, hostHeader: string | undefined): Promise<void> | undefined {
    const route = this.knownRoute(url, hostHeader);
    if (!route || route.target.options.auth) return undefined;
    const { target, key } = route;
    if (this.keptAnswer(target, key)) return Promise.resolve();
    // The query only goes into redirects, which are never kept.
    return this.resolve(target, '', { method: 'GET', headers: {} }).then((outcome) => {
      if (typeof outcome !== 'function') this.remember(target, key, outcome);
    });
  }

  /** The route of a fast-path request, remembered while the site table and the versions are unchanged. */
  private knownRoute(url: string, hostHeader: string | undefined): KnownRoute | undefined {
    let byTarget = this.routes.get(hostHeader);
    const known = byTarget?.get(url);
    if (known && known.changes === this.router.changes && known.forgotten === this.forgotten) return known;
    // Only sites, and only sane lengths, are remembered, from copies that hold no request's bytes.
    const remember = url.length <= 1024 && (hostHeader?.length ?? 0) <= 255;
    if (remember) {
      url = flat(url);
      hostHeader = hostHeader === undefined ? undefined : flat(hostHeader);
    }
    const request = siteRequest(url, hostHeader);
    const target = request && this.router.route(request.host, request.path);
    if (!target) return undefined;
    const route = { changes: this.router.changes, forgotten: this.forgotten, target, key: answerKey(target, this.generations) };
    if (!remember) return route;
    if (this.routeCount >= MAX_ROUTES) {
      this.routes.clear();
      this.routeCount = 0;
      byTarget = undefined;
    }
    if (!byTarget) this.routes.set(hostHeader, (byTarget = new Map<string, KnownRoute>()));
    if (!byTarget.has(url)) this.routeCount += 1;
    byTarget.set(url, route);
    return route;
  }

  /** Only answers whose body SiteFiles holds anyway; a large file read per request is not kept once per URL spelling. */
  private remember(target: SiteTarget, key: string, answer: FileResponse): void {
    if (answer.transient || !this.files.keeps(answer.file) || target.path.length > MAX_REMEMBERED_PATH) return;
    if (this.answerCount >= MAX_ANSWERS || this.answerKeyBytes >= MAX_ANSWER_KEY_BYTES) this.dropAnswers();
    let answers = this.answers.get(target.options);
    if (!answers) this.answers.set(target.options, (answers = new Map<string, FileResponse>()));
    if (answers.has(key)) return;
    let byFile = this.byFile.get(target.options);
    if (!byFile) this.byFile.set(target.options, (byFile = new Map<string, FileResponse>()));
    const fileKey = `${key.slice(0, key.indexOf('\0'))}\0${answer.file.path}\0${answer.status}\0${answer.cacheControl}\0${JSON.stringify(answer.extra)}`;
    const shared = byFile.get(fileKey);
    if (!shared) {
      byFile.set(fileKey, answer);
      this.answerKeyBytes += fileKey.length * 2 + 64;
    }
    answers.set(key, shared ?? answer);
    this.answerCount += 1;
    this.answerKeyBytes += key.length * 2 + 64;
  }

  private dropAnswers(): void {
    this.answers = new WeakMap();
    this.byFile = new WeakMap();
    this.answerCount = 0;
    this.answerKeyBytes = 0;
    this.answersAtEviction = this.files.evictions;
    this.answerDrops += 1;
  }

  private keptAnswer(target: SiteTarget, key: string): FileResponse | undefined {
    // SiteFiles let go of files to stay in its bound: answers holding them would keep them alive.
    if (this.files.evictions !== this.answersAtEviction) this.dropAnswers();
    return target.options.auth ? undefined : this.answers.get(target.options)?.get(key);
  }

  /**
   * Changes whenever an answer `kept` gives may have changed: the site table or its aliases, a
   * version removed or published again, kept files or answers let go. A sum of counters that only go up.
   */
  get keptStamp(): number {
    return this.router.changes + this.forgotten + this.files.evictions + this.answerDrops;
  }

  forget(project: string, version: string): void {
    const id = `${project}@${version}`;
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    this.forgotten += 1;
    this.files.forget(this.versionDir(project, version));
    this.rules.forget(this.versionDir(project, version));
  }

  /** The file response of a request, or how to answer it otherwise (a redirect, an error): no I/O on the response here. */
  private async resolve(target: SiteTarget, query: string, req: Pick<IncomingMessage, 'method' | 'headers'> & { socket?: { remoteAddress?: string | undefined } }): Promise<FileResponse | Reply> {
    const { options } = target;
    if (!(await this.auth.allows(options.auth, req.headers.authorization, req.socket?.remoteAddress ?? ''))) {
      return (res) => {
        res.setHeader('WWW-Authenticate', `Basic realm="${target.project}", charset="UTF-8"`);
        sendStatus(res, 401, 'Authentication required');
      };
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return (res) => {
        res.setHeader('Allow', 'GET, HEAD');
        sendStatus(res, 405, 'Method not allowed');
      };
    }
    if (target.path === '') return (res) => redirect(res, `${target.base}/${query}`);
    const parsed = parseSitePath(target.path);
    if (!parsed.ok) return (res) => sendStatus(res, parsed.status, parsed.status === 404 ? 'Not found' : 'Bad request path');

    const root = this.versionDir(target.project, target.version);
    const relative = parsed.segments.join('/');
    const sitePath = `/${relative}${parsed.trailingSlash && relative ? '/' : ''}`;
    const found = (await this.find(root, relative, parsed.trailingSlash)) ?? (await this.fromRecentlyLive(target, relative));
    const rules = await this.rules.get(root, options);
    const extra = (path: string) => headersFor(rules.headers, path);

    // Rules match the path as requested, still percent-encoded, so what they put into a Location stays a valid URL.
    const rule = matchRedirect(rules.redirects, target.path, found !== undefined);
    if (rule) {
      const { status } = rule.rule;
      if (status >= 300 && status < 400) return (res) => redirect(res, (rule.target.startsWith('/') ? target.base : '') + rule.target + (rule.target.includes('?') ? '' : query), status);
      if (status === 410) return (res) => sendStatus(res, 410, 'Gone');
      const rewrite = parseSitePath(rule.target.replace(/[?#].*$/, ''));
      const rewritten = rewrite.ok ? await this.find(root, rewrite.segments.join('/'), rewrite.trailingSlash) : undefined;
      if (rewritten && 'file' in rewritten) return { file: rewritten.file, status, cacheControl: 'no-cache', extra: extra(sitePath) };
    }
    // The path as requested (still percent-encoded): the decoded one breaks on non-ASCII, "?", "%" or spaces.
    if (found && 'redirect' in found) return (res) => redirect(res, `${target.base}${target.path}/${query}`);
    if (found) return { file: found.file, status: 200, cacheControl: cacheControl(found.file.path, false), extra: extra(sitePath), transient: 'earlier' in found };
    if (options.spa && !ASSET_LIKE.test(sitePath)) {
      const index = await this.files.read(root, 'index.html');
      if (index) return { file: index, status: 200, cacheControl: 'no-cache', extra: extra(sitePath) };
    }
    const page = await this.files.read(root, '404.html');
    if (page) return { file: page, status: 404, cacheControl: 'no-cache', extra: extra(sitePath) };
    return (res) => sendStatus(res, 404, 'Not found');
  }

  /** A hashed asset missing from the live version, from a version that was live recently (for pages loaded before a switch). */
  private async fromRecentlyLive(target: SiteTarget, relative: string): Promise<{ file: SiteFile; earlier: true } | undefined> {
    if (!isFingerprinted(relative) || !target.live) return undefined;
    for (const version of this.recentlyLive(target.live)) {
      const file = await this.files.read(this.versionDir(target.project, version), relative);
      if (file) return { file, earlier: true };
    }
    return undefined;
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
}

/**
 * A route worked out before. Valid while the site table and the versions are unchanged: routes also
 * rest on which versions exist on disk, and every publish or removal comes through forget().
 */
interface KnownRoute {
  changes: number;
  forgotten: number;
  target: SiteTarget;
  key: string;
}

/** A string of its own: a slice of a request's text would keep all of that text alive. */
function flat(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Host, path and query of a request target; absolute form (GET http://host/path) takes the host from the target (RFC 9112). */
function siteRequest(url: string, host: string | undefined): { host: string | undefined; path: string; query: string } | undefined {
  if (!url.startsWith('/')) {
    const absolute = /^https?:\/\/([^/?#]+)(.*)$/i.exec(url);
    if (!absolute) return undefined;
    host = absolute[1];
    url = absolute[2] || '/';
  }
  const query = url.indexOf('?');
  return query < 0 ? { host, path: url, query: '' } : { host, path: url.slice(0, query), query: url.slice(query) };
}

/** Answers are kept per site version and path, and dropped when the version is removed or published again. */
function answerKey(target: SiteTarget, generations: Map<string, number>): string {
  const id = `${target.project}@${target.version}`;
  return `${id}#${generations.get(id) ?? 0}\0${target.path}`;
}

function redirect(res: ServerResponse, location: string, status = 301): void {
  res.writeHead(status, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-cache' });
  res.end();
}

// The server `opus server` runs: node:http with the request listener, counted for /metrics, and the
// fast path in front of it for site answers already kept in memory.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppDeps } from './app-deps.js';
import { createRequestListener, siteHandlerOf } from './app.js';
import { answerFirst, type FastAnswerer } from './fast-path/fast-front.js';
import type { SimpleRequest } from './fast-path/simple-request.js';
import { wireHead } from './fast-path/wire-head.js';
import { countRequests } from './request-metrics.js';
import { chooseCoding } from './site/negotiation.js';
import { plainAnswer } from './site/send-file.js';
import type { SiteHandler } from './site/site-handler.js';
import type { CertificateTable, MissingCertificate } from './tls/certificate-table.js';
import { redirectingListener, unlessRedirected, type HttpsRedirects } from './tls/http-to-https.js';
import type { PlainAnswerer } from './tls/http2-fast-path.js';
import { createSecureListener, type SecureListener } from './tls/secure-listener.js';

/** HTTPS beside plain HTTP: certificates by SNI, and the HTTP port redirecting (see tls/). */
export interface TlsServing extends Omit<HttpsRedirects, 'httpsPort'> {
  table: CertificateTable;
  /** On-demand issuance for a served host no certificate covers yet. */
  missing?: MissingCertificate;
}

export interface OpusServer {
  readonly server: Server;
  /** The HTTPS listener, with TLS serving on. */
  readonly secure?: SecureListener;
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Drains, then closes: for `drainMs` /readyz answers 503 while requests are still served, each
   * answer ending its connection (so load balancers and keep-alive clients move to other
   * replicas); then it stops accepting, lets requests in flight finish, and cuts what still runs
   * after `graceMs`.
   */
  close(graceMs?: number, drainMs?: number): Promise<void>;
}

export function createOpusServer(deps: AppDeps, tls?: TlsServing): OpusServer {
  const site = siteHandlerOf(deps);
  const shutdown = { draining: false };
  const answer = createRequestListener({ ...deps, shutdown }, site);
  const listener: RequestListener = (req, res) => {
    // HTTP/2 has no Connection header (and node refuses one); its sessions end with the server.
    if (shutdown.draining && req.httpVersionMajor < 2) res.setHeader('Connection', 'close');
    // One already under way when the drain began (a log followed over SSE) ends its connection when
    // it ends: node closes idle connections once, at close(), not those that go idle after it.
    else if (req.httpVersionMajor < 2) res.once('finish', () => void (shutdown.draining ? req.socket.end() : undefined));
    answer(req, res);
  };
  const { metrics } = deps;
  const plain = keptPlainAnswers(site);
  const kept = keptSiteAnswers(plain);
  const stamp = () => site.keptStamp;
  const warm = (request: SimpleRequest) => site.warm(request.target, request.host);
  const secure = tls && createSecureListener(tls.table, tls.missing, listener, { http1: kept, http2: plain, stamp, warm }, metrics);
  const redirects = tls && { ...tls, httpsPort: () => secure?.port };
  const server = createServer(redirects ? redirectingListener(redirects, listener) : listener);
  const stopCounting = metrics ? countRequests(server, metrics) : () => {};
  const front = answerFirst(server, redirects ? unlessRedirected(redirects, kept) : kept, (status) => metrics?.request('site', status), { stamp, warm: redirects ? unlessRedirected(redirects, warm) : warm });
  return {
    server,
    ...(secure ? { secure } : {}),
    listen: (port, host) =>
      new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => {
          server.off('error', fail);
          done(server.address() as AddressInfo);
        });
      }),
    async close(graceMs = 5_000, drainMs = 0) {
      shutdown.draining = true;
      front.drain();
      if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
      stopCounting();
      const closed = new Promise<void>((done) => server.close(() => done()));
      const secureClosed = secure?.close(graceMs);
      front.endAll();
      const grace = setTimeout(() => {
        server.closeAllConnections();
        front.destroyAll();
      }, graceMs);
      await closed;
      await secureClosed;
      clearTimeout(grace);
    },
  };
}

/** The answer the site handler keeps for a plain request, in the coding it accepts; undefined when none is kept. */
function keptPlainAnswers(site: SiteHandler): PlainAnswerer {
  return (request) => {
    const kept = site.kept(request.target, request.host);
    if (!kept) return undefined;
    const { file } = kept;
    const coding = chooseCoding(request.acceptEncoding, { br: file.br !== undefined, gzip: file.gzip !== undefined });
    return plainAnswer(kept, coding, request.ifNoneMatch, request.ifModifiedSince);
  };
}

/** The same as HTTP/1.1 wire bytes for the fast path. */
function keptSiteAnswers(plain: PlainAnswerer): FastAnswerer {
  return (request) => {
    const answer = plain(request);
    const head = answer && wireHead(answer);
    return answer && head ? { status: answer.status, head, ...(answer.body ? { body: answer.body } : {}) } : undefined;
  };
}

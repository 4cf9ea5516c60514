// The server `opus server` runs: node:http with the request listener, counted for /metrics, and the
// fast path in front of it for site answers already kept in memory.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { siteServing, type AppDeps } from './app-deps.js';
import { createRequestListener, createSiteHandler } from './app.js';
import { answerFirst, type FastAnswerer } from './fast-path/fast-front.js';
import { wireHead } from './fast-path/wire-head.js';
import { countRequests } from './request-metrics.js';
import { chooseCoding } from './site/negotiation.js';
import { plainAnswer } from './site/send-file.js';
import type { SiteHandler } from './site/site-handler.js';

export interface OpusServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, ends idle connections, and cuts what is still running after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

export function createOpusServer(deps: AppDeps): OpusServer {
  const site = createSiteHandler(siteServing(deps), deps.secrets, deps.previews);
  const server = createServer(createRequestListener(deps, site));
  const { metrics } = deps;
  const stopCounting = metrics ? countRequests(server, metrics) : () => {};
  const front = answerFirst(server, keptSiteAnswers(site), (status) => metrics?.request('site', status));
  return {
    server,
    listen: (port, host) =>
      new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(port, host, () => {
          server.off('error', fail);
          done(server.address() as AddressInfo);
        });
      }),
    async close(graceMs = 5_000) {
      stopCounting();
      const closed = new Promise<void>((done) => server.close(() => done()));
      front.endAll();
      const grace = setTimeout(() => {
        server.closeAllConnections();
        front.destroyAll();
      }, graceMs);
      await closed;
      clearTimeout(grace);
    },
  };
}

function keptSiteAnswers(site: SiteHandler): FastAnswerer {
  return (request) => {
    const kept = site.kept(request.target, request.host);
    if (!kept) return undefined;
    const { file } = kept;
    const coding = chooseCoding(request.acceptEncoding, { br: file.br !== undefined, gzip: file.gzip !== undefined });
    const answer = plainAnswer(kept, coding, request.ifNoneMatch, request.ifModifiedSince);
    const head = wireHead(answer);
    return head ? { status: answer.status, head, ...(answer.body ? { body: answer.body } : {}) } : undefined;
  };
}

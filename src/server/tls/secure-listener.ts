// The HTTPS listener: HTTP/2 and HTTP/1.1 by ALPN on one port, the certificate chosen by SNI from
// the certificate table at each handshake. HTTP/1.1 connections go through the fast path first,
// exactly as on plain HTTP; HTTP/2 streams whose answer is kept are answered with the http2 core
// API, the others go to node's http2 compatibility layer.
import type { RequestListener } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Metrics } from '../../services/metrics.js';
import { answerFirst, type FastAnswerer, type FastFrontOptions } from '../fast-path/fast-front.js';
import type { AnswerStamp } from '../fast-path/repeated-head.js';
import { countRequests, requestKind } from '../request-metrics.js';
import type { CertificateTable, MissingCertificate } from './certificate-table.js';
import { answerStreamsFirst, type PlainAnswerer } from './http2-fast-path.js';

export interface SecureListener {
  readonly server: Http2SecureServer;
  /** The port it listens on, once listening. */
  readonly port: number | undefined;
  listen(port: number, host: string): Promise<AddressInfo>;
  close(graceMs: number): Promise<void>;
}

export function createSecureListener(table: CertificateTable, missing: MissingCertificate | undefined, listener: RequestListener, kept: { http1: FastAnswerer; http2: PlainAnswerer; stamp?: AnswerStamp; warm?: FastFrontOptions['warm'] }, metrics?: Metrics): SecureListener {
  const server = createSecureServer({ allowHTTP1: true, SNICallback: table.sniCallback(missing), minVersion: 'TLSv1.2' }, http2Aware(listener, metrics));
  // Handshakes that fail (no certificate for the name, scanners) are the client's problem, not a log line.
  server.on('tlsClientError', () => undefined);
  const sessions = new Set<{ close(): void; destroy(): void }>();
  // Node closes the idle HTTP/1.1 connections of an HTTP/2 server once, at close(); one busy then
  // (a log followed over SSE) and idle later would hold close() forever, and this server has no
  // closeAllConnections: every connection is tracked, to be cut when the grace is over.
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  const stopCounting = metrics ? countRequests(server, metrics) : () => {};
  answerStreamsFirst(server, kept.http2, (status) => metrics?.request('site', status));
  const front = answerFirst(server, kept.http1, (status) => metrics?.request('site', status), {
    event: 'secureConnection',
    bypass: (socket: Socket) => (socket as TLSSocket).alpnProtocol === 'h2',
    ...(kept.stamp ? { stamp: kept.stamp } : {}),
    ...(kept.warm ? { warm: kept.warm } : {}),
  });
  let port: number | undefined;
  return {
    server,
    get port() {
      return port;
    },
    listen: (wanted, host) =>
      new Promise((done, fail) => {
        server.once('error', fail);
        server.listen(wanted, host, () => {
          server.off('error', fail);
          const address = server.address() as AddressInfo;
          port = address.port;
          done(address);
        });
      }),
    async close(graceMs) {
      stopCounting();
      const closed = new Promise<void>((done) => server.close(() => done()));
      front.endAll();
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const session of sessions) session.destroy();
        front.destroyAll();
        for (const socket of connections) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(grace);
    },
  };
}

/**
 * HTTP/2 requests carry the host as :authority; the site router and Koa read Host. They are counted
 * here, as node's response diagnostics channel only sees HTTP/1.1.
 */
function http2Aware(listener: RequestListener, metrics?: Metrics): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const http1 = listener as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  return (req, res) => {
    if (req.httpVersionMajor === 2) {
      if (req.headers.host === undefined && req.authority) req.headers.host = req.authority;
      if (metrics) res.once('finish', () => metrics.request(requestKind(req.url), res.statusCode));
    }
    http1(req, res);
  };
}

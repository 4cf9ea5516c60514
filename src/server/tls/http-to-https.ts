// The plain HTTP listener beside HTTPS: ACME HTTP-01 challenges are answered here, and every
// request for a host Opus has (or may get) a certificate for is redirected to HTTPS. Other hosts
// (an IP address, localhost: the CLI on the server itself) are served as before.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { CHALLENGE_PREFIX, type AcmeChallenges } from '../../services/certificates/acme-challenges.js';
import type { SimpleRequest } from '../fast-path/simple-request.js';

export interface HttpsRedirects {
  challenges: AcmeChallenges;
  /** Whether a request for `host` (lowercase, no port) goes to HTTPS. */
  redirects(host: string): boolean;
  /** The HTTPS port users reach (443: no port in the URL). */
  httpsPort(): number | undefined;
}

export function hostOnly(hostHeader: string | undefined): string {
  return (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
}

export function redirectingListener(tls: HttpsRedirects, listener: RequestListener): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && url.startsWith(CHALLENGE_PREFIX)) {
      void tls.challenges.answer(url).then((proof) => {
        if (proof === undefined) return redirectOrServe(tls, listener, req, res, url);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(Buffer.byteLength(proof)), 'Cache-Control': 'no-store' });
        res.end(proof);
      });
      return;
    }
    redirectOrServe(tls, listener, req, res, url);
  };
}

function redirectOrServe(tls: HttpsRedirects, listener: RequestListener, req: IncomingMessage, res: ServerResponse, url: string): void {
  const host = hostOnly(req.headers.host);
  const port = tls.httpsPort();
  if (port === undefined || !tls.redirects(host)) return void listener(req, res);
  // Only hosts with a certificate get here, so Location never names a host a stranger chose freely.
  const location = `https://${host}${port === 443 ? '' : `:${port}`}${url.startsWith('/') ? url : '/'}`;
  res.writeHead(308, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-cache' });
  res.end();
}

/** The fast path leaves challenges and hosts that are redirected to the listener above (its answers, and warming them). */
export function unlessRedirected<T>(tls: HttpsRedirects, kept: (request: SimpleRequest) => T | undefined): (request: SimpleRequest) => T | undefined {
  // The decision per Host header, kept for a second: it is asked on every request of the hot path.
  let decided = new Map<string, boolean>();
  let second = 0;
  const redirects = (host: string): boolean => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second || decided.size > 10_000) {
      second = now;
      decided = new Map();
    }
    let yes = decided.get(host);
    if (yes === undefined) decided.set(host, (yes = tls.redirects(hostOnly(host))));
    return yes;
  };
  return (request) => (request.target.startsWith(CHALLENGE_PREFIX) || redirects(request.host) ? undefined : kept(request));
}

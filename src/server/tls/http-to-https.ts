// The plain HTTP listener beside HTTPS: ACME HTTP-01 challenges are answered here, and every
// request for a host Opus has (or may get) a certificate for is redirected to HTTPS. Other hosts
// (an IP address, localhost: the CLI on the server itself) are served as before.
import type { RequestListener } from 'node:http';
import { CHALLENGE_PREFIX, type AcmeChallenges } from '../../services/certificates/acme-challenges.js';
import type { FastAnswerer } from '../fast-path/fast-front.js';

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
    const proof = req.method === 'GET' ? tls.challenges.answer(url) : undefined;
    if (proof !== undefined) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(Buffer.byteLength(proof)), 'Cache-Control': 'no-store' });
      return void res.end(proof);
    }
    const host = hostOnly(req.headers.host);
    const port = tls.httpsPort();
    if (port === undefined || !tls.redirects(host)) return listener(req, res);
    // Only hosts with a certificate get here, so Location never names a host a stranger chose freely.
    const location = `https://${host}${port === 443 ? '' : `:${port}`}${url.startsWith('/') ? url : '/'}`;
    res.writeHead(308, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-cache' });
    res.end();
  };
}

/** The fast path leaves challenges and hosts that are redirected to the listener above. */
export function unlessRedirected(tls: HttpsRedirects, kept: FastAnswerer): FastAnswerer {
  return (request) => (request.target.startsWith(CHALLENGE_PREFIX) || tls.redirects(hostOnly(request.host)) ? undefined : kept(request));
}

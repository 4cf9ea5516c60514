// A replica that does not lead hands API and webhook requests to the one that does, so there is
// one writer of the live pointers, one build queue and one place for build logs, whichever replica
// a load balancer picks. Streams both ways (build logs are Server-Sent Events).
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { Leadership } from '../ports/leadership.js';

/** Set on what a replica forwards; the leader then never takes it for a request from its own machine. */
export const FORWARDED_HEADER = 'x-opus-forwarded-by';

/** How long the leader may take to accept the connection: a pod that is gone answers 503 soon, not after minutes. */
const CONNECT_TIMEOUT_MS = 5_000;

/** Per connection, never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/**
 * What a replica answers itself besides sites: the probes, its own metrics and the dashboard's
 * files. Everything else goes to the leader, so no spelling of an API path (case, absolute form)
 * can reach this replica's own sync or build queue.
 */
export function answeredLocally(url: string): boolean {
  const path = (url.startsWith('/') ? url : safePath(url)).split('?')[0] ?? '';
  return path === '/healthz' || path === '/readyz' || path === '/metrics' || path === '/_opus' || path.startsWith('/_opus/');
}

export function forwardToLeader(leadership: Leadership, req: IncomingMessage, res: ServerResponse): void {
  const leader = leadership.leaderUrl?.();
  // A request forwarded once is never forwarded again: two replicas that each think the other leads would loop.
  if (!leader || req.headers[FORWARDED_HEADER]) return unavailable(res);
  const peer = req.socket.remoteAddress ?? '';
  const headers = {
    ...withoutHopByHop(req.headers),
    [FORWARDED_HEADER]: '1',
    'x-forwarded-for': req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${peer}` : peer,
    'x-forwarded-host': req.headers['x-forwarded-host'] ?? req.headers.host ?? '',
  };
  const target = new URL(req.url?.startsWith('/') ? req.url : safePath(req.url ?? '/'), leader);
  const upstream = request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
    // The leader going away mid-answer (a rollout during a log stream) ends the client's answer too.
    pipeline(answer, res, (error) => error && res.destroy());
  });
  const connectTimer = setTimeout(() => upstream.destroy(new Error('the leading replica did not accept the connection')), CONNECT_TIMEOUT_MS);
  upstream.on('socket', (socket) => (socket.connecting ? socket.once('connect', () => clearTimeout(connectTimer)) : clearTimeout(connectTimer)));
  upstream.on('error', () => {
    clearTimeout(connectTimer);
    if (res.headersSent) res.destroy();
    else unavailable(res);
  });
  // The client went away (a closed log stream): stop asking the leader too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = new Set(String(headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !named.has(name)));
}

/** The path of an absolute-form target (GET http://host/path). */
function safePath(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return '/';
  }
}

function unavailable(res: ServerResponse): void {
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '5' });
  res.end(`${JSON.stringify({ error: 'no replica that leads the sync loop answers right now; try again in a few seconds' })}\n`);
}

// A replica that does not lead hands API and webhook requests to the one that does, so there is
// one writer of the live pointers, one build queue and one place for build logs, whichever replica
// a load balancer picks. Streams both ways (build logs are Server-Sent Events).
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Leadership } from '../ports/leadership.js';

/** Set on what a replica forwards; the leader then never takes it for a request from its own machine. */
export const FORWARDED_HEADER = 'x-opus-forwarded-by';

/** Paths the leader answers; sites, the dashboard's files, /metrics and the probes stay local. */
export function leaderAnswers(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/hooks/');
}

export function forwardToLeader(leadership: Leadership, req: IncomingMessage, res: ServerResponse): void {
  const leader = leadership.leaderUrl?.();
  // A request forwarded once is never forwarded again: two replicas that each think the other leads would loop.
  if (!leader || req.headers[FORWARDED_HEADER]) return unavailable(res);
  const peer = req.socket.remoteAddress ?? '';
  const headers = { ...req.headers, [FORWARDED_HEADER]: '1', 'x-forwarded-for': req.headers['x-forwarded-for'] ? `${String(req.headers['x-forwarded-for'])}, ${peer}` : peer, 'x-forwarded-host': req.headers['x-forwarded-host'] ?? req.headers.host ?? '' };
  const upstream = request(new URL(req.url ?? '/', leader), { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => (res.headersSent ? res.destroy() : unavailable(res)));
  // The client went away (a closed log stream): stop asking the leader too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

function unavailable(res: ServerResponse): void {
  res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Retry-After': '5' });
  res.end(`${JSON.stringify({ error: 'no replica that leads the sync loop answers right now; try again in a few seconds' })}\n`);
}

// Counts every HTTP response of one server by kind and status, from node's own
// `http.server.response.finish` diagnostics channel: the site hot path itself does nothing extra.
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Metrics, RequestKind } from '../services/metrics.js';

interface FinishMessage {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

export function requestKind(url: string): RequestKind {
  if (url.startsWith('/api/')) return 'api';
  if (url.startsWith('/hooks/')) return 'webhook';
  if (url.startsWith('/_opus')) return 'dashboard';
  if (url === '/metrics' || url === '/healthz' || url === '/readyz' || url.startsWith('/metrics?')) return 'ops';
  return 'site';
}

/** Starts counting; returns the function that stops. */
export function countRequests(server: object, metrics: Metrics): () => void {
  const listener = (message: unknown) => {
    const { request, response, server: from } = message as FinishMessage;
    if (from !== server) return;
    metrics.request(requestKind(request.url ?? '/'), response.statusCode);
  };
  diagnostics.subscribe('http.server.response.finish', listener);
  return () => diagnostics.unsubscribe('http.server.response.finish', listener);
}

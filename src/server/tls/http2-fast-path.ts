// HTTP/2's fast path: a GET/HEAD stream without a body whose answer the site handler already keeps
// is answered with the http2 core API (one HEADERS frame, the prebuilt body), skipping the
// compatibility layer's request and response objects. Every other stream goes to that layer (and so
// to the same request listener as HTTP/1.1), exactly as if this were not here.
import { constants, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { SimpleRequest } from '../fast-path/simple-request.js';
import type { PlainAnswer } from '../site/send-file.js';

export type PlainAnswerer = (request: SimpleRequest) => PlainAnswer | undefined;

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

/** Lowercased, with :status, once per answer's header object (made once, never changed, one status each; see plainAnswer). */
const http2Headers = new WeakMap<Record<string, string>, Record<string, string | number>>();

export function answerStreamsFirst(server: Http2SecureServer, answer: PlainAnswerer, answered: (status: number) => void): void {
  const compat = server.listeners('stream') as StreamListener[];
  server.removeAllListeners('stream');
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => {
    const request = (flags & constants.NGHTTP2_FLAG_END_STREAM) !== 0 ? plainRequest(headers) : undefined;
    const reply = request && answer(request);
    if (!reply) {
      for (const listener of compat) listener.call(server, stream, headers, flags, rawHeaders);
      return;
    }
    stream.on('error', () => undefined);
    if (stream.destroyed) return;
    let out = http2Headers.get(reply.headers);
    if (!out) http2Headers.set(reply.headers, (out = { ...Object.fromEntries(Object.entries(reply.headers).map(([name, value]) => [name.toLowerCase(), value])), ':status': reply.status }));
    const body = headers[':method'] === 'GET' ? reply.body : undefined;
    stream.respond(out, { endStream: !body });
    if (body) stream.end(body);
    answered(reply.status);
  });
}

/** The stream as the fast path's plain request, or undefined when it is anything but a plain GET/HEAD (a range, odd characters). */
function plainRequest(headers: IncomingHttpHeaders): SimpleRequest | undefined {
  const method = headers[':method'];
  const target = headers[':path'];
  const host = headers[':authority'] ?? headers.host;
  if ((method !== 'GET' && method !== 'HEAD') || !target || !host || headers.range !== undefined || !/^\/[A-Za-z0-9\-._~:/?[\]@!$&'()*+,;=%]*$/.test(target)) return undefined;
  const one = (value: string | string[] | undefined) => (typeof value === 'string' ? value : undefined);
  const acceptEncoding = one(headers['accept-encoding']);
  const ifNoneMatch = one(headers['if-none-match']);
  const ifModifiedSince = one(headers['if-modified-since']);
  return { method, target, host, close: false, length: 0, ...(acceptEncoding ? { acceptEncoding } : {}), ...(ifNoneMatch ? { ifNoneMatch } : {}), ...(ifModifiedSince ? { ifModifiedSince } : {}) };
}

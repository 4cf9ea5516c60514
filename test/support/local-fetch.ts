// fetch() for http://<name>.localhost:<port>/ URLs as a browser or curl sends them: Chromium and
// curl resolve *.localhost to loopback, Node's resolver does not, and Node's fetch will not send a
// Host of its own. So this connects to 127.0.0.1 and sends the URL's host as the Host header.
// Anything else goes to the real fetch. Redirects are never followed (like redirect: 'manual').
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export async function localFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url);
  if (!target.hostname.endsWith('.localhost') && target.hostname !== 'localhost') return fetch(url, { redirect: 'manual', ...init });
  const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined), host: target.host };
  const body = typeof init.body === 'string' ? init.body : undefined;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target.port || 80, path: `${target.pathname}${target.search}`, method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(res.headers)) for (const v of Array.isArray(value) ? value : [value ?? '']) answer.append(name, v);
        const status = res.statusCode ?? 500;
        const empty = status === 204 || status === 304 || init.method === 'HEAD';
        // Decoded as fetch() decodes a content coding; the headers stay as sent.
        const raw = Buffer.concat(chunks);
        const coding = res.headers['content-encoding'];
        const decoded = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
        resolve(new Response(empty ? null : decoded, { status, headers: answer }));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** http://<project>.localhost:<port>/ of a server listening on 127.0.0.1:<port>. */
export function siteOrigin(serverUrl: string, label: string): string {
  return `http://${label}.localhost:${new URL(serverUrl).port}`;
}

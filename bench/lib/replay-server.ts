// The floor of node:http: a server that answers each benchmark request with the exact bytes Opus
// answered (status, headers, body), recorded once, with no routing, files or negotiation at all.
// Whatever separates Opus from this is Opus's own code; whatever separates this from nginx is node:http.
import { createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Recorded {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

/** Headers node:http adds itself on every response; not replayed, so both send them once. */
const ADDED_BY_NODE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

export interface ReplayServer {
  port: number;
  record(path: string, headers: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

function keyOf(path: string, headers: IncomingHttpHeaders | Record<string, string | undefined>): string {
  const get = (name: string) => headers[name] ?? headers[name.toLowerCase()] ?? '';
  return `${path}\0${get('accept-encoding')}\0${get('if-none-match')}`;
}

/** Starts the replay server; `record` fetches a request's answer from `sourcePort` (Opus) to replay it. */
export async function startReplay(sourcePort: number): Promise<ReplayServer> {
  const answers = new Map<string, Recorded>();
  const server: Server = createServer((req, res) => {
    const answer = answers.get(keyOf(req.url ?? '/', req.headers));
    if (!answer) {
      res.writeHead(404, { 'Content-Length': '0' });
      res.end();
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async record(path, headers) {
      const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      answers.set(keyOf(path, lower), await fetchRaw(sourcePort, path, headers));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function fetchRaw(port: number, path: string, headers: Record<string, string>): Promise<Recorded> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const kept: OutgoingHttpHeaders = {};
        // rawHeaders keeps the original names and order.
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i] as string;
          if (!ADDED_BY_NODE.has(name.toLowerCase())) kept[name] = res.rawHeaders[i + 1] as string;
        }
        resolve({ status: res.statusCode ?? 0, headers: kept, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

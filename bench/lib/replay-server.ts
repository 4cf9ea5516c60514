// Two floors, each answering a benchmark request with the exact bytes Opus answered (status, headers,
// body), recorded once, with no routing, files or negotiation at all:
// - node:http: a plain node:http server; what separates it from nginx is node:http's per-request work.
// - node:net: a bare socket server that parses nothing and writes the answer once per request it
//   sees; the ceiling of any server on Node's sockets in one process. Opus's fast path is measured against it.
import { createServer, request, STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

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
  /** The recorded answer the next requests get (the node:net floor does not read which one is asked for). */
  select?(path: string, headers: Record<string, string>): void;
  close(): Promise<void>;
}

/** Opus's answers, recorded once each, by path, Accept-Encoding and If-None-Match. */
function recordings(sourcePort: number): { record(path: string, headers: Record<string, string>): Promise<void>; find(path: string, headers: IncomingHttpHeaders | Record<string, string>): Recorded | undefined } {
  const answers = new Map<string, Recorded>();
  const keyOf = (path: string, headers: IncomingHttpHeaders | Record<string, string>) => {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    return `${path}\0${lower['accept-encoding'] ?? ''}\0${lower['if-none-match'] ?? ''}`;
  };
  return {
    async record(path, headers) {
      answers.set(keyOf(path, headers), await fetchRaw(sourcePort, path, headers));
    },
    find: (path, headers) => answers.get(keyOf(path, headers)),
  };
}

/** Starts the replay server; `record` fetches a request's answer from `sourcePort` (Opus) to replay it. */
export async function startReplay(sourcePort: number): Promise<ReplayServer> {
  const answers = recordings(sourcePort);
  const server: Server = createServer((req, res) => {
    const answer = answers.find(req.url ?? '/', req.headers);
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
    record: answers.record,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The node:net floor: one answer per request head ("\r\n\r\n") read, whichever request it was. */
export async function startNetReplay(sourcePort: number): Promise<ReplayServer> {
  const answers = recordings(sourcePort);
  let wire = Buffer.alloc(0);
  let selected: Recorded | undefined;
  let second = 0;
  const server = createNetServer({ noDelay: true }, (socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      const now = Math.floor(Date.now() / 1000);
      if (selected && now !== second) {
        second = now;
        const head = Object.entries(selected.headers).map(([name, value]) => `${name}: ${String(value)}\r\n`).join('');
        const date = new Date(now * 1000).toUTCString();
        wire = Buffer.concat([Buffer.from(`HTTP/1.1 ${selected.status} ${STATUS_CODES[selected.status]}\r\n${head}Date: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n`, 'latin1'), selected.body]);
      }
      for (let at = chunk.indexOf('\r\n\r\n'); at >= 0; at = chunk.indexOf('\r\n\r\n', at + 4)) socket.write(wire);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    record: answers.record,
    select(path, headers) {
      selected = answers.find(path, headers);
      second = 0;
    },
    async close() {
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
